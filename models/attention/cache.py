"""A small, thread-safe, least-recently-used memo of extracted attention, keyed by (model, text).

Extraction is a pure function of the model and the text, and its result is read-only, so API
calls that walk through the heads of one text (and users who open the same preset) share one
model run. This holds no per-user state: the UI keeps each session's own result in ``gr.State``.
Each entry is at most ~18 MB (30 layers x 9 heads x 128^2 float32), hence the small size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from models.attention.extraction import AttentionResult

CACHE_SIZE = 4


class AttentionCache:
    """``get(model, text, compute)`` returns the cached result or computes and stores it."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], AttentionResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, model_name: str, text: str, compute: Callable[[], AttentionResult]
    ) -> AttentionResult:
        key = (model_name, text)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        result = compute()  # outside the lock: two users' different texts run concurrently
        with self._lock:
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._items)
