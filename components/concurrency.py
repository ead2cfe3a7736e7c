"""Who may run at the same time: the concurrency groups every tab's heavy events join.

A lecture hall clicks at once. Each heavy event (text generation, the next-token explorer, image
generation, embeddings projection, attention extraction) joins ONE group per device, so the
number of models computing at the same moment is bounded for the whole server, not per tab: on a
2-core CPU two jobs at a time keep both cores busy, and more would only slice the same cores finer
while each held its activations in memory. Everything else waits in Gradio's queue, whose size
(app.py) bounds the waiting; past it, callers get "queue full, try again" instead of the server
running out of memory.

Fine-tuning has its own group of one: a training run uses every core for minutes, and training,
comparisons and adapter export share one copy of the base model (models/finetune/training.py
LoraBench), so they take turns. Light events (tables, redraws from session state) keep Gradio's
default.

``PLAYGROUND_HEAVY_CONCURRENCY`` overrides the heavy limit (e.g. 4 on a GPU with memory to spare).
"""

from __future__ import annotations

import os
from typing import Any

from models.device import pick_device

FINETUNE_ID = "finetune"
# Seconds a session's large state (attention maps, embedding maps) is kept after it was last set.
# API clients never close their sessions, so without this their state would stay until Gradio's
# session cap (app.py) evicted it; an hour of no use is long enough for a lecture.
SESSION_TTL = 3600


def heavy_limit() -> int:
    """Heavy jobs at once: ``PLAYGROUND_HEAVY_CONCURRENCY``, else 2 (bounded by the CPU count)."""
    configured = os.environ.get("PLAYGROUND_HEAVY_CONCURRENCY", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(2, os.cpu_count() or 1))


def heavy() -> dict[str, Any]:
    """Event keyword arguments for a heavy event: one group per device (``heavy-cpu``, ...)."""
    return {"concurrency_id": f"heavy-{pick_device()}", "concurrency_limit": heavy_limit()}


def training() -> dict[str, Any]:
    """Event keyword arguments for events that use the fine-tuning copy of the model."""
    return {"concurrency_id": FINETUNE_ID, "concurrency_limit": 1}
