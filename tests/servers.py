"""The app as a real server on loopback, for the browser and hosting tests.

Two kinds, each started at most once per pytest process (worker):
- ``python app.py``: the real app with the real default models (the browser tests that need what
  the real model writes: Paris, the pronoun head, the demos' published results);
- ``python -m tests.hosting.server``: the same ``build_app`` and page with a tiny seeded language
  model (the hosting tests, and the browser tests of page mechanics such as fine-tuning's curves).

A server is ready when it prints its ready line (``READY``): the tests wait on that line, read
as the server writes it, never on a guessed delay. Its whole output goes to
test-artifacts/<name>.log, line by line, so a test can read what one of its steps logged.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
READY = "Playground running at"  # what app.py and tests/hosting/server.py print once they serve
# A cold start on a loaded 2-core machine: imports, the models the server loads before it is
# ready, and the llama.cpp engine. One generous bound; a healthy start takes 5-20 s.
START_SECONDS = 300
# The one bound on anything else a test waits for from a server (an answer, a job's end).
WAIT_S = 300


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    log: Path

    def client(self, timeout: float = WAIT_S) -> Any:
        """A fresh gradio_client session (its own session hash, so its own gr.State). httpx's
        default 5 s would time out a post to a busy queue: ``timeout`` is one generous bound."""
        from gradio_client import Client

        return Client(
            self.url, verbose=False, download_files=False, httpx_kwargs={"timeout": timeout}
        )

    def log_position(self) -> int:
        """Where the server's log ends now (read what a step added with ``log_since``)."""
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, position: int) -> str:
        with self.log.open(errors="replace") as handle:
            handle.seek(position)
            return handle.read()


@contextlib.contextmanager
def running(arguments: Sequence[str], name: str, env: dict[str, str]) -> Iterator[Server]:
    """Run ``python <arguments> --port P`` from the repository root until the block ends."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"{name}.log"
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **env}
    process = subprocess.Popen(
        [sys.executable, *arguments, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env=environment,
    )
    ready = threading.Event()

    def copy_output() -> None:  # the log, written as the server speaks; ready at its line
        with log.open("w") as out:
            for line in process.stdout:
                out.write(line)
                out.flush()
                if READY in line:
                    ready.set()
        ready.set()  # the server ended: stop waiting (the check below says so)

    threading.Thread(target=copy_output, daemon=True).start()
    try:
        if not ready.wait(START_SECONDS) or process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"The {name} server did not start; see {log}:\n{tail}")
        yield Server(f"http://127.0.0.1:{port}/", process.pid, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def real_app(name: str = "app-server") -> contextlib.AbstractContextManager[Server]:
    """``python app.py`` with its warm-up. The suite fine-tunes (or brings back an adapter) in
    more sessions than a server's default 8 adapter slots, and a closed page frees its slot only
    an hour later, so the cap is raised."""
    return running(["app.py"], name, {"PLAYGROUND_MAX_ADAPTERS": "32"})


def tiny_app(folder: Path, name: str, **env: str) -> contextlib.AbstractContextManager[Server]:
    """tests/hosting/server.py: ``build_app`` with the tiny seeded language model, its files and
    scratch under ``folder``."""
    scratch = {"PLAYGROUND_SCRATCH_DIR": str(folder / "scratch")}
    return running(
        ["-m", "tests.hosting.server", "--folder", str(folder)], name, {**scratch, **env}
    )
