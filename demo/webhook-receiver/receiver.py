#!/usr/bin/python3
"""modelops demo webhook receiver: what a team's chat or incident tool would be. Listens on 127.0.0.1 (port 0 picks
a free one), answers every POST with 200, and prints one line per delivery on stdout:

  webhook received: path=/hooks/modelops content-type=application/cloudevents+json type=dev.modelops.rolledBack
    subject=ml/digits body={...}

(one line; CloudEvents fields when the body is a CloudEvent, the Slack text when it is a Slack body). Bodies over
--max-body-bytes get 413 and are not printed. Stdlib only. Prints "webhook-receiver ready port=P" first; SIGTERM
or SIGINT stops it (exit 0).
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def describe(body: bytes) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        return f"body={body[:200]!r}"
    if isinstance(doc, dict) and "specversion" in doc:
        return (f"type={doc.get('type')} subject={doc.get('subject')} source={doc.get('source')} "
                f"data={json.dumps(doc.get('data'), separators=(',', ':'))}")
    if isinstance(doc, dict) and "text" in doc:
        return f"slack text={json.dumps(doc['text'])}"
    return "body=" + json.dumps(doc, separators=(",", ":"))


def make_handler(max_body: int, lock: threading.Lock):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self.send_error(411, "Content-Length required")
                return
            if int(length) > max_body:
                self.send_error(413, f"body over {max_body} bytes")
                return
            body = self.rfile.read(int(length))
            line = (f"webhook received: path={self.path.split('?')[0]} "
                    f"content-type={self.headers.get('Content-Type', '')} {describe(body)}")
            with lock:
                print(line, flush=True)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *args):  # quiet: stdout is the record of deliveries
            pass

    return Handler


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--max-body-bytes", type=int, default=1 << 20)
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.max_body_bytes, threading.Lock()))
    server.daemon_threads = True

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"webhook-receiver ready port={server.server_address[1]}", flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
