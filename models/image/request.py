"""What one image request is: its checked settings and limits, and the results a sampler returns.

Shared by our own model's loop (models/image/diffusion.py), the hub pipelines
(models/image/hub_pipeline.py) and the views that take diffusion apart (models/image/guidance.py,
prompt_switch.py, forward_noise.py). No model, no sampling here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.errors import InvalidInputError
from models.image.schedulers import SCHEDULER_NAMES, scheduler_name
from models.settings import Settings, setting
from models.validation import MAX_SEED

MAX_STEPS = 100
MAX_BATCH = 16
MAX_GUIDANCE = 20.0
MAX_PROMPT_CHARS = 500

StepCallback = Callable[[int, int], None]  # (steps done, total steps)


def checked_text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInputError(f"The {what} must be text.")
    if len(value) > MAX_PROMPT_CHARS:
        raise InvalidInputError(
            f"The {what} is {len(value)} characters long; keep it under {MAX_PROMPT_CHARS}."
        )
    return value.strip()


@dataclass(frozen=True)
class ImageRequest(Settings):
    """One generation request: each setting declared once (models/settings.py), read by the
    Image tab's widgets, its views, the API and the checker. Build with
    ``ImageRequest.checked(prompt=..., ...)`` from user input."""

    prompt: str = setting(
        "a red cat on a white background", label="Prompt", max_chars=MAX_PROMPT_CHARS,
        checker=lambda value: checked_text(value, "prompt"),
    )  # fmt: skip
    negative_prompt: str = setting(
        "", label="Negative prompt", max_chars=MAX_PROMPT_CHARS,
        checker=lambda value: checked_text(value, "negative prompt"),
    )  # fmt: skip
    steps: int = setting(25, low=1, high=MAX_STEPS, step=1, label="Steps")
    guidance: float = setting(
        3.0, low=0.0, high=MAX_GUIDANCE, step=0.5, label="Guidance scale", noun="guidance scale",
        help="1 = prompt only; higher follows the prompt harder",
    )  # fmt: skip
    seed: int = setting(0, low=0, high=MAX_SEED, label="Seed")
    scheduler: str = setting(
        "DPM-Solver++", choices=SCHEDULER_NAMES, label="Scheduler", checker=scheduler_name
    )
    batch: int = setting(4, low=1, high=MAX_BATCH, step=1, label="Images", noun="batch size")


@dataclass
class Frame:
    """What the sampler saw and predicted at one step (uint8 RGB, H x W x 3, first image only).
    ``predicted_clean`` is None for hub pipelines, which do not expose it."""

    step: int
    timestep: float
    noisy: np.ndarray
    predicted_clean: np.ndarray | None


@dataclass
class GenerationResult:
    images: list[np.ndarray]  # uint8 RGB, H x W x 3, at the model's own resolution
    frames: list[Frame] = field(default_factory=list)
    unconditional: bool = False  # the prompt was empty: the model drew what it liked


def to_uint8(images: Any) -> list[np.ndarray]:
    """Tensors in [-1, 1] (N x 3 x H x W) as a list of uint8 H x W x 3 arrays."""
    array = images.detach().float().clamp(-1, 1).add(1).mul(127.5).round().byte()
    return list(array.permute(0, 2, 3, 1).cpu().numpy())
