"""Past the queue size, callers hear "queue full, try again", and the server keeps serving.

The real app with a queue of 2 and one heavy job at a time, flooded by 12 clients asking for a
slow image grid at the same moment: some are served, the rest are refused at once with
gradio_client's QueueError (the browser shows the same as a "queue full" toast). No other error,
and a normal request right after the flood is answered correctly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.utils import QueueError

from app import build_app
from components.serving import LAUNCH_OPTIONS
from tests.hosting.calls import IMAGE_MODEL
from tests.hosting.conftest import record
from tests.hosting.server import tiny_registry, warm
from tests.servers import free_port

FLOOD = 12
QUEUE_SIZE = 2
SLOW_GRID = [IMAGE_MODEL, "a red cat", "", 25, 3.0, 0, "DDPM", 8]  # seconds each, on 2 cores


@pytest.fixture
def small_queue_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PLAYGROUND_HEAVY_CONCURRENCY", "1")
    monkeypatch.setenv("PLAYGROUND_SCRATCH_DIR", str(tmp_path / "scratch"))
    registry = tiny_registry(tmp_path)
    warm(registry)
    demo = build_app(registry, queue_size=QUEUE_SIZE)
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **LAUNCH_OPTIONS)  # fmt: skip
    try:
        yield demo.local_url
    finally:
        demo.close()


def test_a_full_queue_answers_busy_not_a_crash(small_queue_url: str) -> None:
    clients = [Client(small_queue_url, verbose=False, download_files=False) for _ in range(FLOOD)]
    jobs = [client.submit(*SLOW_GRID, api_name="/generate_image") for client in clients]
    served, busy, other = 0, 0, []
    for job in jobs:
        try:
            grid, summary = job.result(timeout=120)
            assert "8 images" in summary and grid["url"]
            served += 1
        except QueueError as error:
            assert "Queue is full" in str(error) and "try again" in str(error)
            busy += 1
        except Exception as error:
            other.append(f"{type(error).__name__}: {error}")
    record("busy", {"flood": FLOOD, "queue_size": QUEUE_SIZE, "served": served, "busy": busy})
    assert other == []
    assert busy >= 1, "nobody was told the queue is full"
    assert served >= QUEUE_SIZE, "the queue's own jobs must still be served"
    grid, summary = clients[0].predict(
        IMAGE_MODEL, "a blue square", "", 5, 3.0, 1, "DDIM", 1, api_name="/generate_image"
    )
    assert "1 image" in summary and grid["url"]
