"""Image tab: diffusion turning noise into an image (not built yet: issue #6)."""

from __future__ import annotations

from components import coming_soon
from models.registry import Registry


def build(registry: Registry) -> None:
    coming_soon.build(
        6,
        "diffusion turning noise into an image",
        "A small text-to-image model of our own with step-by-step denoising is planned.",
    )
