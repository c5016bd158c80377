#!/usr/bin/python3
"""e2e.dashboard's browser driver: drives a running headless Chromium over the DevTools protocol
(python3-websocket) through the dashboard, and prints what it saw as one JSON object on stdout; the C++
test compares it with the ModelDeployments' status. --phase view: the list page (rows, screenshot), the
detail page of --name (summary, verdicts, charts, screenshot), an action POSTed from the page without the
token (its HTTP status), the detail page of --xss-namespace/--xss-name (the message as text).
--phase promote: Promote and Confirm on --name, then a wait until the page, updated by the watch (no
reload), shows --expect-weight.
Every wait has a deadline (--timeout); an error ends with a message on stderr and exit code 1."""
import argparse
import base64
import json
import sys
import time

try:
    import websocket
except ImportError:
    sys.exit("browser.py needs python3-websocket (Debian package) for /usr/bin/python3")


class Page:
    def __init__(self, ws_url, timeout):
        # Chromium refuses DevTools connections that carry an Origin it was not told to allow.
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.timeout = timeout
        self.last_id = 0
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})

    def call(self, method, params=None):
        self.last_id += 1
        msg = {"id": self.last_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:  # events in between are not needed: the page's state is read with evaluate()
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.last_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate {expression!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_until(self, expression, what):
        """Polls a condition in the page until it holds or the deadline passes."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.05)
        raise RuntimeError(f"timed out waiting for {what} ({expression}); page: "
                           + str(self.evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''")))

    def navigate(self, url, ready_expression, what):
        self.call("Page.navigate", {"url": url})
        self.wait_until(f"document.readyState === 'complete' && !!({ready_expression})", what)

    def clip(self, path, height, scale):
        """The top `height` CSS pixels of the page at `scale` (the smaller images in docs/images/)."""
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
            "x": 0, "y": 0, "width": 1280, "height": height, "scale": scale}})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def screenshot(self, path):
        height = self.evaluate("Math.min(4000, document.documentElement.scrollHeight)")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": max(600, height), "deviceScaleFactor": 1, "mobile": False})
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path


LIST_ROWS = """Array.from(document.querySelectorAll('#rollouts tbody tr')).map(tr => ({
  namespace: tr.dataset.namespace, name: tr.dataset.name,
  phase: tr.querySelector('.phase').dataset.phase, stable: tr.querySelector('.stable').textContent,
  canary: tr.querySelector('.canary').textContent, weights: tr.querySelector('.weights').textContent,
  verdict: (tr.querySelector('.verdict') || {textContent: ''}).textContent}))"""

DETAIL = """({
  name: document.querySelector('#md-name').firstChild.textContent.trim(),
  phase: document.querySelector('.summary .phase').dataset.phase,
  message: document.querySelector('#md-message').textContent,
  messageElements: document.querySelector('#md-message').children.length,
  stable: document.querySelector('#stable-version').firstChild.textContent.trim(),
  canary: document.querySelector('#canary-version').firstChild.textContent.trim(),
  canaryWeight: document.querySelector('#canary-weight').textContent,
  currentStep: (document.querySelector('.timeline li.current') || {textContent: ''}).textContent,
  verdicts: Array.from(document.querySelectorAll('#verdicts tbody tr[data-metric]')).map(tr => ({
    metric: tr.dataset.metric, value: tr.querySelector('.value').textContent,
    lower: tr.querySelector('.lower').textContent, samples: tr.querySelector('.samples').textContent})),
  charts: document.querySelectorAll('svg.chart').length,
  bands: document.querySelectorAll('svg.chart path.band').length,
  minLines: document.querySelectorAll('svg.chart line.min').length,
  titles: Array.from(document.querySelectorAll('svg.chart .title')).map(t => t.textContent),
  sources: Array.from(document.querySelectorAll('figcaption.source')).map(f => f.textContent),
  firstChartBandVertices: Array.from(document.querySelectorAll('svg.chart')[0].querySelectorAll('path.band')).map(
    p => (p.getAttribute('d').match(/[ML]/g) || []).length),
  canaryLastDot: (dots => dots.length ? dots[dots.length - 1].textContent : '')(
    document.querySelectorAll('svg.chart')[0].querySelectorAll('circle.dot.canary title')),
  history: document.querySelectorAll('#history tbody tr').length,
  conditions: document.querySelectorAll('#conditions tbody tr').length,
  events: document.querySelectorAll('#events tbody tr').length,
  live: document.querySelector('#live').textContent})"""


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--ws", "--url", "--namespace", "--name"):
        ap.add_argument(flag, required=True)
    for flag in ("--xss-namespace", "--xss-name", "--out", "--expect-weight"):
        ap.add_argument(flag)
    ap.add_argument("--phase", choices=["view", "promote"], required=True)
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    page = Page(a.ws, a.timeout)
    seen = view(page, a) if a.phase == "view" else promote(page, a)
    print(json.dumps(seen))


def view(page, a):
    seen = {}
    row = f"#rollouts tr[data-name='{a.name}'][data-namespace='{a.namespace}']"
    page.navigate(a.url, f"document.querySelector(\"{row}\")", "the list page")
    page.wait_until("document.querySelector('#live').textContent === 'live'", "the live event stream")
    seen["list"] = page.evaluate(LIST_ROWS)
    seen["listScreenshot"] = page.screenshot(a.out + "/list.png")
    page.clip(a.out + "/list-top.png", 400, 0.6)

    page.evaluate(f"document.querySelector(\"{row} a.name\").click()")
    page.wait_until("!!document.querySelector('#md-name') && document.querySelectorAll('svg.chart').length > 0",
                    "the detail page")
    page.wait_until("document.querySelector('#live').textContent === 'live'", "the live event stream")
    seen["detail"] = page.evaluate(DETAIL)
    seen["detailScreenshot"] = page.screenshot(a.out + "/detail.png")
    page.clip(a.out + "/detail-top.png", 1240, 0.6)
    page.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    seen["darkScreenshot"] = page.screenshot(a.out + "/detail-dark.png")
    page.clip(a.out + "/detail-top-dark.png", 1240, 0.6)
    page.call("Emulation.setEmulatedMedia", {"features": []})
    # An action from the page without the session token header (the cookie alone is not enough).
    seen["tokenlessStatus"] = page.evaluate(
        f"fetch('/api/ns/{a.namespace}/md/{a.name}/actions/abort', {{method: 'POST'}}).then(r => r.status)")

    page.navigate(a.url.split("/?")[0] + f"/ns/{a.xss_namespace}/md/{a.xss_name}",
                  "document.querySelector('#md-message')", "the detail page of the HTML message")
    seen["xss"] = page.evaluate("({message: document.querySelector('#md-message').textContent, "
                                "elements: document.querySelector('#md-message').children.length, "
                                "injected: typeof window.__modelopsInjected !== 'undefined', "
                                "images: document.querySelectorAll('main img').length})")
    return seen


def promote(page, a):
    seen = {}
    page.navigate(a.url, "document.querySelector('#rollouts')", "the list page")
    page.navigate(a.url.split("/?")[0] + f"/ns/{a.namespace}/md/{a.name}",
                  "document.querySelector('#action-promote')", "the detail page again")
    page.wait_until("document.querySelector('#live').textContent === 'live'", "the live event stream")
    page.evaluate("document.querySelector('#action-promote').click()")
    page.wait_until("document.getElementById('confirm').open", "the confirmation dialog")
    seen["confirmText"] = page.evaluate("document.getElementById('confirm-text').textContent")
    page.evaluate("document.getElementById('confirm-ok').click()")
    page.wait_until("document.getElementById('toast').className !== ''", "the action's answer")
    seen["toast"] = page.evaluate("({cls: document.getElementById('toast').className, "
                                  "text: document.getElementById('toast').textContent})")
    # No reload from here on: the page must change through the watch's event stream.
    page.wait_until(f"document.querySelector('#canary-weight').textContent === '{a.expect_weight}'",
                    "the promoted rollout on the page")
    seen["after"] = page.evaluate(DETAIL)
    return seen


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the test's failure message
        print(f"browser.py: {e}", file=sys.stderr)
        sys.exit(1)
