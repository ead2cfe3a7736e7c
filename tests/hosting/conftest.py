"""Hosting fixtures: one real app server in a subprocess on loopback, and gradio_client clients.

The server (tests/hosting/server.py) is shared by the load, bad-input, isolation and memory tests;
it runs in its own process so that the memory test reads the server's resident memory alone.
Figures the tests measure are written to test-artifacts/hosting-*.json.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
START_SECONDS = 180  # a cold start on a busy 2-core machine (imports, MiniLM, the llama.cpp engine)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def client(self) -> Any:
        """A fresh gradio_client session (its own session hash, so its own gr.State)."""
        from gradio_client import Client

        return Client(self.url, verbose=False, download_files=False)


def record(name: str, figures: dict[str, Any]) -> None:
    """Keep a test's measurements for the report (and print them under ``pytest -s``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"hosting-{name}.json").write_text(json.dumps(figures, indent=2))
    print(f"\n{name}: {json.dumps(figures)}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("hosting-server")
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "hosting-server.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PLAYGROUND_SCRATCH_DIR": str(folder / "scratch")}
    with log.open("w") as log_file:
        command = [sys.executable, "-m", "tests.hosting.server", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--folder", str(folder)],
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + START_SECONDS
            while not (folder / "ready").exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text()[-3000:]
                    raise RuntimeError(f"The test server did not start; see {log}:\n{tail}")
                time.sleep(0.25)
            yield Server(f"http://127.0.0.1:{port}/", process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
