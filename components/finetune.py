"""Fine-tune tab: transfer learning on uploaded examples (not built yet: issue #7)."""

from __future__ import annotations

from components import coming_soon
from models.registry import Registry


def build(registry: Registry) -> None:
    coming_soon.build(
        7,
        "transfer learning",
        "LoRA fine-tuning on uploaded examples with a before-and-after comparison is planned.",
    )
