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
from models.image.schedulers import scheduler_name as _scheduler_name
from models.validation import bounded_number, whole_number

MAX_STEPS = 100
MAX_BATCH = 16
MAX_GUIDANCE = 20.0
MAX_SEED = 2**32 - 1
MAX_PROMPT_CHARS = 500

StepCallback = Callable[[int, int], None]  # (steps done, total steps)


@dataclass(frozen=True)
class ImageRequest:
    """One generation request, already validated (build it with ``ImageRequest.checked``)."""

    prompt: str
    negative_prompt: str = ""
    steps: int = 25
    guidance: float = 3.0
    seed: int = 0
    scheduler: str = "DPM-Solver++"
    batch: int = 1

    @classmethod
    def checked(
        cls,
        prompt: Any,
        negative_prompt: Any = "",
        steps: Any = 25,
        guidance: Any = 3.0,
        seed: Any = 0,
        scheduler: Any = "DPM-Solver++",
        batch: Any = 1,
    ) -> ImageRequest:
        """Validate raw values (from a slider, or from an API caller who sent anything)."""
        return cls(
            prompt=checked_text(prompt, "prompt"),
            negative_prompt=checked_text(negative_prompt, "negative prompt"),
            steps=whole_number("steps", steps, 1, MAX_STEPS),
            guidance=bounded_number("guidance scale", guidance, 0.0, MAX_GUIDANCE),
            seed=whole_number("seed", seed, 0, MAX_SEED),
            scheduler=_scheduler_name(scheduler),
            batch=whole_number("batch size", batch, 1, MAX_BATCH),
        )


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


def to_uint8(images: Any) -> list[np.ndarray]:
    """Tensors in [-1, 1] (N x 3 x H x W) as a list of uint8 H x W x 3 arrays."""
    array = images.detach().float().clamp(-1, 1).add(1).mul(127.5).round().byte()
    return list(array.permute(0, 2, 3, 1).cpu().numpy())
