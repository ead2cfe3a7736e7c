"""Embeddings tab: meaning as geometry (not built yet: issue #4)."""

from __future__ import annotations

from components import coming_soon
from models.registry import Registry


def build(registry: Registry) -> None:
    coming_soon.build(
        4,
        "meaning as geometry",
        "UMAP maps of sentence embeddings, search and export are planned.",
    )
