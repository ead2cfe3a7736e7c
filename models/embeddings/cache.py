"""Sentence embeddings, cached by (model name, sentence), so projecting again never re-embeds.

The cache is shared by every user of the server, like the models themselves: an embedding depends
only on the model and the text, so sharing it is safe and saves the slow part for everyone. It is
bounded (least recently used entries go first) and guarded by one lock.

This module embeds and caches; it does not choose models (the registry does) or project.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

ProgressCallback = Callable[[float, str], None]
BATCH_SIZE = 64
DEFAULT_MAX_ENTRIES = 60_000  # ~90 MB of 384-dimensional float32 vectors


class EmbeddingCache:
    """Least-recently-used map from (model name, text) to a unit-length float32 vector."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(
        self,
        model_name: str,
        encoder: Any,
        texts: Sequence[str],
        progress: ProgressCallback | None = None,
    ) -> np.ndarray:
        """Unit-length embeddings of ``texts`` (rows in the same order), encoding only the misses.

        ``encoder`` is a sentence-transformers model (anything with ``encode(list[str])``)."""
        found: dict[int, np.ndarray] = {}
        with self._lock:
            for index, text in enumerate(texts):
                vector = self._vectors.get((model_name, text))
                if vector is not None:
                    self._vectors.move_to_end((model_name, text))
                    found[index] = vector
            self.hits += len(found)
            self.misses += len(texts) - len(found)
        missing = [index for index in range(len(texts)) if index not in found]
        # Encoding runs outside the lock: other users' cache hits are not held up by it.
        for start in range(0, len(missing), BATCH_SIZE * 4):
            if progress is not None:
                progress(start / len(missing), f"Embedding {len(missing):,} sentences")
            chunk = missing[start : start + BATCH_SIZE * 4]
            vectors = encode(encoder, [texts[index] for index in chunk])
            with self._lock:
                for index, vector in zip(chunk, vectors, strict=True):
                    found[index] = vector
                    self._vectors[(model_name, texts[index])] = vector
                    self._vectors.move_to_end((model_name, texts[index]))
                while len(self._vectors) > self.max_entries:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[index] for index in range(len(texts))])

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()
            self.hits = self.misses = 0


def encode(encoder: Any, texts: list[str]) -> np.ndarray:
    """Unit-length float32 embeddings (cosine similarity is then a dot product)."""
    vectors = encoder.encode(
        texts,
        batch_size=BATCH_SIZE,
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


SHARED_CACHE = EmbeddingCache()
"""The server-wide cache: it holds model outputs for texts, no per-user state."""
