"""Serve the packaged SmolLM2 GGUF with llama.cpp's own HTTP server (the ``xllamacpp`` wheel), as
an OpenAI-compatible endpoint for ``PLAYGROUND_TEXT_BACKEND=openai``.

Run: ``.venv/bin/python scripts/serve_llamacpp.py --port 18110 --slots 8`` then start the app with
``PLAYGROUND_TEXT_BACKEND=openai PLAYGROUND_OPENAI_BASE_URL=http://127.0.0.1:18110/v1``.
It prints one line ``listening on http://HOST:PORT`` once it is ready (the test fixture waits for
that line), and runs until SIGTERM or Ctrl-C. It listens on loopback unless told otherwise, and
refuses any other interface without ``--api-key``.

Not the in-process engine (models/text/backends/llamacpp.py), which listens on no port at all.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument("--slots", type=int, default=4, help="requests decoded at once")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--api-key", default="", help="required for a non-loopback --host")
    parser.add_argument("--gguf", default="", help="a GGUF file (default: the packaged SmolLM2)")
    parser.add_argument("--alias", default="", help="model id to list (default: the hub id)")
    args = parser.parse_args()
    if not loopback(args.host) and not args.api_key:
        parser.error(f"--host {args.host} is reachable from other machines: add --api-key.")

    import xllamacpp

    from models.text.backends.gguf_source import find_gguf
    from models.text.backends.llamacpp import SLOT_CONTEXT

    if args.gguf:
        path, alias = Path(args.gguf), args.alias or Path(args.gguf).stem
    else:
        found = find_gguf()
        path, alias = found.path, args.alias or found.model
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.model_alias = {alias}
    params.n_parallel = args.slots
    params.n_ctx = SLOT_CONTEXT * args.slots
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.hostnames = [args.host]
    params.port = args.port
    params.api_keys = [args.api_key] if args.api_key else []
    params.cors_origins = "https://in-process.invalid"  # no browser page may call it
    params.ui = False
    params.verbosity = -1
    server = xllamacpp.Server(params)
    print(f"listening on {server.listening_address}", flush=True)
    finished = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: finished.set())
    finished.wait()
    del server
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
