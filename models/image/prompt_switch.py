"""Changing the prompt mid-way: prompt A for the first k denoising steps, prompt B for the rest,
from the same starting noise (and the same per-step noise).

What it shows: early steps fix the coarse layout (where the object is, the background) and late
steps the detail, so a late switch keeps A's picture and a switch in the first steps gives B's.
k = 0 is exactly a plain run of B and k = steps exactly a plain run of A (the tests check both
bit for bit). ``switch_strip`` makes the same image for several k, to see where it flips.

Works on our model and on Stable-Diffusion-like hub pipelines (models/image/hub_steering.py).
Not here: the UI, or the sampling loop itself (models/image/steered_loop.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from models.image.guidance import checked_list
from models.image.request import ImageRequest, StepCallback, checked_text, to_uint8
from models.settings import Settings, setting
from models.validation import whole_number

MAX_STRIP = 8  # switch points in one strip: 8 runs, ~8 s at 25 steps on 2 CPU cores
DEFAULT_SWITCH_POINTS = (0, 2, 6, 10, 16, 25)  # for 25 steps: B, then A's background, colour, shape


@dataclass(frozen=True)
class SwitchView(Settings):
    """Prompt B, where the prompt changes, and the strip's switch points."""

    second_prompt: str = setting(
        "a blue square on a black background", label="Prompt B (after the switch)",
        max_chars=500, checker=lambda value: checked_text(value, "second prompt"),
    )  # fmt: skip
    switch_at: int = setting(10, low=0, high=25, step=1, label="Switch after k steps",
                             checker=lambda value: value)  # fmt: skip
    switch_points: str = setting("", label=f"Switch points for the strip (at most {MAX_STRIP})")


IDEA = (
    "Early steps decide the coarse layout and late steps the detail: switch the prompt late and "
    "the first prompt's picture stays; switch early and the second one takes over."
)


@dataclass
class SwitchResult:
    images: list[np.ndarray]  # uint8 H x W x 3, one per image in the batch
    switch_at: int  # steps run with prompt A
    steps: int
    # Our model only, with keep_frames: the clean image predicted at each step (first image).
    predicted_clean: list[np.ndarray] = field(default_factory=list)


def checked_switch_step(value: Any, steps: int) -> int:
    return whole_number("The switch step k", value, 0, steps)


def prompt_switch(
    model: Any,
    request: ImageRequest,
    second_prompt: Any,
    switch_at: Any,
    *,
    keep_frames: bool = False,
    on_step: StepCallback | None = None,
) -> SwitchResult:
    """``request.prompt`` for the first ``switch_at`` steps, then ``second_prompt``."""
    from models.image.hub_pipeline import HubPipelineModel

    second = checked_text(second_prompt, "second prompt")
    k = checked_switch_step(switch_at, request.steps)
    if isinstance(model, HubPipelineModel):
        from models.image.hub_steering import hub_prompt_switch

        images = hub_prompt_switch(model, request, second, k, on_step)
        return SwitchResult(images, k, request.steps)
    return _own_switch(model, request, second, k, keep_frames, on_step)


def _own_switch(
    model: Any,
    request: ImageRequest,
    second: str,
    k: int,
    keep_frames: bool,
    on_step: StepCallback | None,
) -> SwitchResult:
    from models.image.steered_loop import LoopStep, denoise, encode_conditioning, predicted_clean

    guided = request.guidance != 1.0
    # Each prompt encoded with the negative prompt, as a plain run encodes it (same padding).
    first = encode_conditioning(
        model, request.prompt, request.negative_prompt, request.batch, guided
    )
    then = encode_conditioning(model, second, request.negative_prompt, request.batch, guided)
    frames: list[np.ndarray] = []

    def observe(step: LoopStep) -> None:
        clean = predicted_clean(step.model_input, step.guided, step.alpha_bar, step.prediction_type)
        frames.append(to_uint8(clean)[0])

    latents = denoise(
        model,
        request,
        conditioning=lambda step: first if step <= k else then,
        observe_steps=range(1, request.steps + 1) if keep_frames else (),
        observer=observe if keep_frames else None,
        on_step=on_step,
    )
    return SwitchResult(to_uint8(latents), k, request.steps, frames)


def switch_strip(
    model: Any,
    request: ImageRequest,
    second_prompt: Any,
    switch_points: Any,
    on_step: StepCallback | None = None,
) -> list[tuple[int, np.ndarray]]:
    """(k, first image) for each switch point (a list or "0, 5, 10"; at most ``MAX_STRIP``),
    in increasing k."""
    points = checked_list(
        switch_points, "Switch steps k", 0, request.steps, whole=True, cap=MAX_STRIP
    )
    request = replace(request, batch=1)
    ordered = sorted(int(k) for k in points)
    total = len(ordered) * request.steps
    strip = []
    for index, k in enumerate(ordered):
        offset = index * request.steps
        report = None if on_step is None else (lambda s, _t, o=offset: on_step(o + s, total))
        strip.append((k, prompt_switch(model, request, second_prompt, k, on_step=report).images[0]))
    return strip
