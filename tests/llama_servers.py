"""Real servers on loopback for the text-backend tests: llama.cpp's own HTTP server on the packaged
GGUF (scripts/serve_llamacpp.py in a subprocess), a listener that never answers (a stuck server),
and a pass-through proxy in front of the real server that drops ``logprobs`` from every chunk (a
server without logprobs, such as an older Ollama). No engine is faked: every token comes from
llama.cpp. Each waits on a signal (the server's "listening on" line), never on a sleep.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 180.0  # a model load on a busy 2-core box; normally about 3 s


class LlamaServer:
    """scripts/serve_llamacpp.py running in a child process."""

    def __init__(self, slots: int = 2, api_key: str = "") -> None:
        command = [
            sys.executable,
            str(ROOT / "scripts" / "serve_llamacpp.py"),
            "--slots",
            str(slots),
        ]
        self.process = subprocess.Popen(
            command + (["--api-key", api_key] if api_key else []),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        line = _read_line(self.process, START_TIMEOUT)
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"the llama.cpp server did not start: {line!r}")
        self.address = line.removeprefix("listening on ").strip()
        self.base_url = self.address + "/v1"

    def slots(self) -> list[dict]:
        return httpx.get(self.address + "/slots", timeout=10).json()

    def kill(self) -> None:
        """Die at once, as a crashed server does (no goodbye on open connections)."""
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    """The child's first stdout line, or "" if it does not come within ``timeout``."""
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0] if found else ""


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StalledServer:
    """Accepts connections and reads requests but never answers: a stuck or overloaded server."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"
        self.connections: list[socket.socket] = []
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.closed.set()
        for connection in [self.listener, *self.connections]:
            with contextlib.suppress(OSError):
                connection.close()


class NoLogprobsProxy:
    """Forwards every request to a real server and strips ``logprobs`` from its answers."""

    def __init__(self, upstream: str) -> None:
        target = upstream.rstrip("/")

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                reply = httpx.get(target + self.path, timeout=30)
                self._send(reply.status_code, reply.content, reply.headers.get("content-type"))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with httpx.stream(
                    "POST", target + self.path, content=body, timeout=60,
                    headers={"content-type": "application/json"},
                ) as reply:  # fmt: skip
                    self.send_response(reply.status_code)
                    self.send_header("content-type", reply.headers.get("content-type", ""))
                    self.end_headers()
                    for line in reply.iter_lines():
                        self.wfile.write((strip_logprobs(line) + "\n").encode())
                        self.wfile.flush()
                self.close_connection = True

            def _send(self, status: int, content: bytes, kind: str | None) -> None:
                self.send_response(status)
                self.send_header("content-type", kind or "application/json")
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def strip_logprobs(line: str) -> str:
    """One SSE line with every choice's ``logprobs`` removed (other lines as they are)."""
    if not line.startswith("data: {"):
        return line
    data = json.loads(line.removeprefix("data: "))
    for choice in data.get("choices", []):
        choice.pop("logprobs", None)
    return "data: " + json.dumps(data)
