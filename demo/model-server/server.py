#!/usr/bin/python3
"""modelops demo model server: a real scikit-learn digits classifier (digits_models.py) behind the KServe v1
protocol, served by FastAPI/uvicorn (Debian python3-fastapi, python3-uvicorn). Run with /usr/bin/python3 (the
interpreter that sees Debian's packages).

  server.py --model digits --version 1.1 --quality bad --port 0

Endpoints (the model name is --model; any other name is 404):
  POST /v1/models/<model>:predict   {"instances": [[64 numbers], ...]} -> {"predictions": [class, ...]}
                                    with --output both also "probabilities": [[10 numbers], ...]; with
                                    --output probabilities the predictions are the probability vectors.
  GET  /v1/models/<model>           {"name", "ready": true, "version", "quality"}  (KServe v1 model ready)
  GET  /v1/models                   {"models": [<model>]}
  GET  /healthz                     liveness
  POST /admin/quality               {"quality": "good"|"degraded"}: switch a good model's answers to degraded and
                                    back while serving (the demo's drift after promotion); 409 for a bad model.
  POST /admin/load                  {"version": "1.2", "quality": "good"|"bad"}: trains that model and swaps it in
                                    (requests in flight finish on the old one). The dev API server runs no pods, so
                                    the demo and e2e.gateway play the kubelet: one server per Service (stable,
                                    canary) is told which version its Service's pods would run.
Bounds: request body <= --max-body-bytes (413), rows per request <= --max-rows (400), each row exactly 64 finite
numbers (400 naming the row). Errors are KServe-style {"error": "..."}.
The /admin endpoints are unauthenticated: a demo and test server, bound to 127.0.0.1 by default; do not expose it.

Prints one line on stdout when it serves: "modelops-model-server ready port=P model=M version=V quality=Q
training_rows=N" (port 0 picks a free port; the line says which). SIGTERM/SIGINT: uvicorn finishes in-flight
requests and exits 0.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import socket
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from digits_models import N_FEATURES, QUALITIES, DigitsModel  # noqa: E402

try:
    import uvicorn
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from starlette.concurrency import run_in_threadpool
except ImportError as e:  # the wrong interpreter, most likely
    sys.exit(f"model server: {e}; run it with /usr/bin/python3 and the Debian packages python3-fastapi python3-uvicorn")

OUTPUTS = ("classes", "probabilities", "both")


class BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def parse_instances(body: bytes, max_rows: int) -> np.ndarray:
    """The request's rows as an (n, 64) array, or BadRequest naming what is wrong."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(400, f"body is not JSON: {e}") from None
    if not isinstance(doc, dict) or "instances" not in doc:
        raise BadRequest(400, "body must be an object with field 'instances'")
    rows = doc["instances"]
    if not isinstance(rows, list) or not rows:
        raise BadRequest(400, "'instances' must be a non-empty array")
    if len(rows) > max_rows:
        raise BadRequest(400, f"'instances' has {len(rows)} rows, at most {max_rows} are accepted")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != N_FEATURES:
            raise BadRequest(400, f"instances[{i}] must be an array of {N_FEATURES} numbers")
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise BadRequest(400, f"instances[{i}][{j}] must be a finite number")
    return np.asarray(rows, dtype=float)


class Serving:
    """The model and version being served; replaced whole by /admin/load (one reference assignment)."""

    def __init__(self, model: DigitsModel, version: str):
        self.model, self.version = model, version


def make_app(serving: Serving, name: str, output: str, max_body: int, max_rows: int) -> FastAPI:
    app = FastAPI(title="modelops demo model server", docs_url=None, redoc_url=None, openapi_url=None)

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    @app.post("/v1/models/{model_name}:predict")
    async def predict(model_name: str, request: Request):
        if model_name != name:
            return error(404, f"model {model_name!r} not found (this server serves {name!r})")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body:
            return error(413, f"body of {declared} bytes exceeds {max_body}")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body:
                return error(413, f"body exceeds {max_body} bytes")
        try:
            rows = parse_instances(body, max_rows)
        except BadRequest as e:
            return error(e.status, str(e))
        proba = serving.model.predict_proba(rows)
        classes = [int(c) for c in proba.argmax(axis=1)]
        rounded = [[round(float(p), 6) for p in r] for r in proba]
        if output == "classes":
            return {"predictions": classes}
        if output == "probabilities":
            return {"predictions": rounded}
        return {"predictions": classes, "probabilities": rounded}

    @app.get("/v1/models/{model_name}")
    async def ready(model_name: str):
        if model_name != name:
            return error(404, f"model {model_name!r} not found")
        current = serving
        return {"name": name, "ready": True, "version": current.version, "quality": current.model.quality,
                "degraded": current.model.degraded}

    @app.get("/v1/models")
    async def models():
        return {"models": [name]}

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    @app.post("/admin/quality")
    async def set_quality(request: Request):
        try:
            doc = json.loads(await request.body())
            wanted = doc["quality"]
        except (ValueError, KeyError, TypeError):
            return error(400, "body must be {\"quality\": \"good\"|\"degraded\"}")
        if wanted not in ("good", "degraded"):
            return error(400, f"quality must be good or degraded, not {wanted!r}")
        if serving.model.quality == "bad":
            return error(409, "a bad model cannot be switched: load a good one")
        serving.model.set_degraded(wanted == "degraded")
        return {"quality": wanted, "version": serving.version}

    @app.post("/admin/load")
    async def load(request: Request):
        try:
            doc = json.loads(await request.body())
            version, quality = doc["version"], doc["quality"]
        except (ValueError, KeyError, TypeError):
            return error(400, "body must be {\"version\": \"...\", \"quality\": \"good\"|\"bad\"}")
        if not isinstance(version, str) or not version or len(version) > 63:
            return error(400, "version must be a non-empty string of at most 63 characters")
        if quality not in ("good", "bad"):
            return error(400, f"quality must be good or bad, not {quality!r}")
        model = await run_in_threadpool(DigitsModel, quality)  # ~0.3 s of training off the event loop
        serving.model, serving.version = model, version
        print(f"modelops-model-server loaded version={version} quality={quality} "
              f"training_rows={model.training_rows}", flush=True)
        return {"version": version, "quality": quality, "training_rows": model.training_rows}

    return app


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="digits", help="the model name in the KServe paths (default digits)")
    ap.add_argument("--version", default=os.environ.get("MODEL_VERSION", "1.0"),
                    help="the version it reports (default $MODEL_VERSION or 1.0)")
    ap.add_argument("--quality", choices=QUALITIES, default=os.environ.get("MODEL_QUALITY", "good"))
    ap.add_argument("--output", choices=OUTPUTS, default="classes")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    ap.add_argument("--max-body-bytes", type=int, default=1 << 20)
    ap.add_argument("--max-rows", type=int, default=256)
    args = ap.parse_args()
    if args.quality not in QUALITIES:
        ap.error(f"--quality must be one of {QUALITIES}")

    model = DigitsModel(args.quality)
    app = make_app(Serving(model, args.version), args.model, args.output, args.max_body_bytes, args.max_rows)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it (Linux). uvicorn writes a response's head and body separately: with Nagle
    # on, the body of every keep-alive response but the first waits ~40 ms for the client's delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((args.host, args.port))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    # Printed once the socket listens: a client that connects now waits in the backlog until uvicorn accepts.
    print(f"modelops-model-server ready port={port} model={args.model} version={args.version} "
          f"quality={args.quality} training_rows={model.training_rows}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
