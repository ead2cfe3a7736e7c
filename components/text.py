"""Text tab: a language model writing token by token (not built yet: issue #3)."""

from __future__ import annotations

from components import coming_soon
from models.registry import Registry


def build(registry: Registry) -> None:
    coming_soon.build(
        3,
        "a language model writing token by token, and why it picks each token",
        "Streaming generation, sampling controls and token probabilities are planned.",
    )
