"""Attention tab: self-attention inside transformers (not built yet: issue #5)."""

from __future__ import annotations

from components import coming_soon
from models.registry import Registry


def build(registry: Registry) -> None:
    coming_soon.build(
        5,
        "self-attention inside transformers",
        "Heatmaps per layer and head for the decoder and the encoder are planned.",
    )
