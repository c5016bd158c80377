#!/usr/bin/python3
"""modelops demo traffic and label driver: sends held-out digits rows (rows no demo model was trained on, see
../model-server/digits_models.py) through the gateway as KServe v1 predictions, keeps each answer's
X-Prediction-Id with the row's true label, and posts the labels back to the gateway's /v1/feedback in batches
after a delay, as an application learns the truth some time after it asked. Stdlib only (plus numpy/sklearn for
the rows); run with /usr/bin/python3.

  driver.py --gateway http://127.0.0.1:8080 --rate 100 --duration 60 --label-delay 2 --label-batch 50

Bounded: stops after --count predictions or --duration seconds (whichever first), or on SIGTERM/SIGINT; then
posts the labels still waiting (their delay still honoured, at most --label-delay seconds more; a second signal
skips that). Every request has a --timeout. Prints one summary line on stdout at the end:
  driver summary: predictions=N ok=N errors=N(by status) ids=N labels_posted=N accepted=N rejected=N(by reason)
  client_accuracy=0.xxx duration=Ns
and, with --progress S, a progress line every S seconds. Exit status 0, or 1 when no prediction succeeded, 2 for
a usage error.
Single-threaded: one keep-alive connection for predictions, one for feedback.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import signal
import socket
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model-server"))
try:
    from digits_models import held_out_rows  # noqa: E402
except ImportError as e:
    sys.exit(f"driver: {e}; run it with /usr/bin/python3 (Debian python3-sklearn)")

MAX_PENDING_LABELS = 100_000  # a bound on memory when the gateway never answers feedback


class Connection:
    """One keep-alive HTTP/1.1 connection that reconnects after an error."""

    def __init__(self, url: str, timeout: float):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"--gateway must be http://HOST:PORT, not {url!r}")
        self.host, self.port, self.timeout = parsed.hostname, parsed.port or 80, timeout
        self.conn = None

    def post(self, path: str, body: bytes, headers: dict) -> tuple[int, dict, bytes]:
        """(status, lower-cased headers, body); status 0 for a connection failure or timeout."""
        for attempt in range(2):  # a keep-alive connection the server closed: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                if self.conn.sock is None:
                    self.conn.connect()
                    # http.client writes headers and body separately: without this, Nagle plus delayed ACKs
                    # cost ~40 ms a request.
                    self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.conn.request("POST", path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    return 0, {}, b""
        return 0, {}, b""


class Stats:
    def __init__(self):
        self.predictions = self.ok = self.ids = self.correct = 0
        self.errors = collections.Counter()
        self.labels_posted = self.accepted = 0
        self.rejected = collections.Counter()

    def line(self, started: float) -> str:
        errors = sum(self.errors.values())
        by_status = ",".join(f"{k}:{v}" for k, v in sorted(self.errors.items()))
        rejected = sum(self.rejected.values())
        reasons = ",".join(f"{k}:{v}" for k, v in sorted(self.rejected.items()))
        accuracy = f"{self.correct / self.ok:.3f}" if self.ok else "n/a"
        return (f"predictions={self.predictions} ok={self.ok} errors={errors}" + (f"({by_status})" if errors else "")
                + f" ids={self.ids} labels_posted={self.labels_posted} accepted={self.accepted}"
                + f" rejected={rejected}" + (f"({reasons})" if rejected else "")
                + f" client_accuracy={accuracy} duration={time.monotonic() - started:.1f}s")


def count_feedback_answer(stats: Stats, status: int, body: bytes, items: int) -> None:
    """Counts the per-item results of a /v1/feedback answer ({"results": [{"index", "status", ...}]}, docs/gateway.md);
    without them (a single item, or an error for the whole body) the whole batch by HTTP status."""
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        doc = None
    results = doc.get("results") if isinstance(doc, dict) else doc if isinstance(doc, list) else None
    if not isinstance(results, list) or len(results) != items:
        if 200 <= status < 300:
            stats.accepted += items
        else:
            stats.rejected[f"http{status}" if status else "unreachable"] += items
        return
    for item in results:
        item = item if isinstance(item, dict) else {}
        code = item.get("status")  # the gateway's per-item status: 200 counted (or a duplicate), 4xx rejected
        if code == 200:
            stats.accepted += 1
        else:
            stats.rejected[str(code or "unknown")] += 1


def post_labels(conn: Connection, stats: Stats, batch: list, label_as: str) -> None:
    items = [{"predictionId": pid, "label": str(label) if label_as == "string" else label} for pid, label in batch]
    body = json.dumps(items).encode()
    status, _, data = conn.post("/v1/feedback", body, {"Content-Type": "application/json"})
    stats.labels_posted += len(items)
    count_feedback_answer(stats, status, data, len(items))


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gateway", required=True, help="http://HOST:PORT of the gateway")
    ap.add_argument("--model", default="digits")
    ap.add_argument("--rate", type=float, default=50.0, help="predictions per second (default 50)")
    ap.add_argument("--count", type=int, default=1000, help="at most this many predictions (default 1000)")
    ap.add_argument("--duration", type=float, default=60.0, help="at most this many seconds (default 60)")
    ap.add_argument("--label-delay", type=float, default=2.0, help="seconds from a prediction to its label")
    ap.add_argument("--label-batch", type=int, default=50, help="labels per /v1/feedback request (1..1000)")
    ap.add_argument("--label-ratio", type=float, default=1.0, help="share of predictions that get a label")
    ap.add_argument("--label-as", choices=("number", "string"), default="number")
    ap.add_argument("--segment-header", default="", help="send a segment in this request header")
    ap.add_argument("--segments", default="", help="comma-separated segment values, assigned at random")
    ap.add_argument("--drift", type=float, default=0.0,
                    help="std-dev of Gaussian noise added to every pixel (0..16 scale): drifted inputs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds per HTTP request")
    ap.add_argument("--progress", type=float, default=0.0, help="print a progress line every S seconds")
    args = ap.parse_args(argv)
    if args.rate <= 0 or args.rate > 10_000:
        ap.error("--rate must be in (0, 10000]")
    if args.count < 0 or args.duration <= 0 or args.duration > 86_400:
        ap.error("--count must be >= 0 and --duration in (0, 86400]")
    if not 1 <= args.label_batch <= 1000:
        ap.error("--label-batch must be in 1..1000")
    if not 0 <= args.label_ratio <= 1 or args.label_delay < 0 or args.label_delay > 3600:
        ap.error("--label-ratio must be in [0, 1] and --label-delay in [0, 3600]")
    if bool(args.segment_header) != bool(args.segments):
        ap.error("--segment-header and --segments go together")
    return args


class Driver:
    def __init__(self, args):
        self.args = args
        self.rows, self.labels = held_out_rows()
        self.rng = random.Random(args.seed)
        self.segments = [s for s in args.segments.split(",") if s]
        self.predict_conn = Connection(args.gateway, args.timeout)
        self.feedback_conn = Connection(args.gateway, args.timeout)
        self.pending = collections.deque()  # (due monotonic time, prediction id, true label), in due order
        self.stats = Stats()
        self.stopping = 0

    def on_signal(self, _signum, _frame):
        self.stopping += 1

    def predict_one(self, index: int) -> None:
        row = self.rows[index % len(self.rows)]
        if self.args.drift > 0:
            row = [min(16.0, max(0.0, v + self.rng.gauss(0.0, self.args.drift))) for v in row]
        label = self.labels[index % len(self.labels)]
        headers = {"Content-Type": "application/json"}
        if self.segments:
            headers[self.args.segment_header] = self.rng.choice(self.segments)
        status, resp_headers, body = self.predict_conn.post(
            f"/v1/models/{self.args.model}:predict", json.dumps({"instances": [row]}).encode(), headers)
        self.stats.predictions += 1
        if status != 200:
            self.stats.errors[status or "unreachable"] += 1
            return
        self.stats.ok += 1
        try:
            predicted = json.loads(body)["predictions"][0]
            self.stats.correct += int(predicted == label)
        except (ValueError, KeyError, IndexError, TypeError):
            pass
        pid = resp_headers.get("x-prediction-id", "")
        if not pid:
            return
        self.stats.ids += 1
        if self.rng.random() < self.args.label_ratio and len(self.pending) < MAX_PENDING_LABELS:
            self.pending.append((time.monotonic() + self.args.label_delay, pid, label))

    def flush_due(self, now: float, everything_due: bool) -> None:
        """Posts the labels that are due, in batches; a partial batch only once its oldest label is due."""
        while self.pending and self.pending[0][0] <= now:
            due = [p for p in self.pending if p[0] <= now][: self.args.label_batch]
            if len(due) < self.args.label_batch and not everything_due and len(self.pending) > len(due):
                # More labels follow soon: wait until a full batch is due, unless the oldest waited a batch's time.
                if now - self.pending[0][0] < self.args.label_batch / self.args.rate:
                    return
            for _ in due:
                self.pending.popleft()
            post_labels(self.feedback_conn, self.stats, [(pid, label) for _, pid, label in due], self.args.label_as)

    def run(self) -> int:
        args, started = self.args, time.monotonic()
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        order = list(range(len(self.rows)))
        self.rng.shuffle(order)
        sent, next_send, next_progress = 0, started, started + (args.progress or 1e18)
        deadline = started + args.duration
        while not self.stopping and sent < args.count and time.monotonic() < deadline:
            now = time.monotonic()
            if now >= next_send:
                self.predict_one(order[sent % len(order)])
                sent += 1
                next_send += 1.0 / args.rate
                if next_send < now - 1.0:  # fell behind by more than a second: do not burst to catch up
                    next_send = now
            self.flush_due(time.monotonic(), everything_due=False)
            if time.monotonic() >= next_progress:
                print(f"driver progress: {self.stats.line(started)} pending_labels={len(self.pending)}", flush=True)
                next_progress += args.progress
            wake = min(next_send, self.pending[0][0] if self.pending else next_send, deadline)
            time.sleep(max(0.0, min(wake - time.monotonic(), 0.05)))
        # The labels still waiting: their delay is honoured, bounded by --label-delay; a second signal skips it.
        while self.pending and self.stopping < 2:
            self.flush_due(time.monotonic(), everything_due=True)
            if self.pending:
                time.sleep(max(0.0, min(self.pending[0][0] - time.monotonic(), 0.05)))
        print(f"driver summary: {self.stats.line(started)}" + (" (labels dropped on a second signal: "
              f"{len(self.pending)})" if self.pending else ""), flush=True)
        return 0 if self.stats.ok > 0 else 1


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    try:
        driver = Driver(args)
    except ValueError as e:
        print(f"driver: {e}", file=sys.stderr)
        return 2
    return driver.run()


if __name__ == "__main__":
    sys.exit(main())
