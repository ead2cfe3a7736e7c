"""Memory: 200 requests over every model-running tab, from old and new sessions, leave the
server's resident memory within 5% of what it was after warm-up.

The server runs in its own process (tests/hosting/conftest.py), so its RSS is measured alone.
A new client session every 10 requests exercises per-session state, not just one session's.
Figures go to test-artifacts/hosting-memory.json.
"""

from __future__ import annotations

import gc
import time

import psutil

from tests.hosting.calls import IMAGE_MODEL, language_model
from tests.hosting.conftest import record

WARM_UP = 40
REQUESTS = 200
MAX_GROWTH = 0.05


def settled_rss(process: psutil.Process, client) -> int:
    """RSS once the server has answered everything sent so far: one more light call, answered
    after the others, is the sign that their work (and its buffers) is done."""
    client.predict(api_name="/models")
    return process.memory_info().rss


def test_resident_memory_stays_flat(server) -> None:
    lm = language_model(server.client())
    calls = [
        lambda c, n: c.predict(lm, f"the cat sat {n % 7}", False, True, 0.8, 0, 1.0, 12, 1.0, n,
                               api_name="/generate_text"),
        lambda c, n: c.predict(IMAGE_MODEL, "a red cat", "", 6, 3.0, n, "DDIM", 2,
                               api_name="/generate_image"),
        lambda c, n: c.predict(source="Text box", text=f"one {n % 5}\ntwo\nthree", method="PCA",
                               api_name="/project_embeddings"),
        lambda c, n: c.predict(f"the dog ran {n % 9}", "", 1, 1, api_name="/attention"),
        lambda c, n: c.predict(lm, "the cat", False, 1.0, 0, 1.0, 1.0, 5,
                               api_name="/token_probabilities"),
    ]  # fmt: skip
    process = psutil.Process(server.pid)
    client = server.client()

    def run(count: int, offset: int) -> None:
        nonlocal client
        for n in range(offset, offset + count):
            if n % 10 == 0:
                client = server.client()
            calls[n % len(calls)](client, n)

    run(WARM_UP, 0)
    gc.collect()
    before = settled_rss(process, client)
    started = time.perf_counter()
    run(REQUESTS, WARM_UP)
    seconds = time.perf_counter() - started
    after = settled_rss(process, client)
    growth = (after - before) / before
    record(
        "memory",
        {
            "warm_up_requests": WARM_UP,
            "requests": REQUESTS,
            "rss_before_mb": round(before / 2**20, 1),
            "rss_after_mb": round(after / 2**20, 1),
            "growth_percent": round(100 * growth, 2),
            "seconds": round(seconds, 1),
        },
    )
    assert growth <= MAX_GROWTH, (
        f"RSS grew {growth:.1%}: {before / 2**20:.0f} → {after / 2**20:.0f} MB"
    )
