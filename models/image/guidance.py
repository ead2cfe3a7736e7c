"""Classifier-free guidance taken apart, and a guidance x steps grid (an X/Y plot) from one seed.

At every denoising step the model predicts twice: without the prompt (the negative prompt, or
"") and with it. The scheduler steps with the guided mix uncond + s * (cond - uncond): s = 0 is
the unconditional prediction, s = 1 the prompt's alone, s > 1 pushes past it along the
difference. ``guidance_parts`` shows the four as pictures of the clean image each implies
(x0, from the model input and that prediction), at chosen steps of an otherwise plain run: its
final image is the one /generate_image gives for the same settings.

The difference picture is x0(cond) - x0(uncond) in pixels, mid-grey for 0, stretched by its own
largest value (``difference_scale``, given beside it) so that a faint difference is visible.

``guidance_grid`` runs one seed over rows of guidance scales and columns of step counts
(at most ``MAX_GRID_SIDE`` each). On our model the rows of one column run as one batch, each
image with its own scale and its own per-step noise seeded alike; a cell then matches the plain
image for its settings to within float rounding (batched convolutions round differently), not
bit for bit. Hub pipelines run one plain generation per cell, and take apart at most
``MAX_HUB_PART_STEPS`` steps (models/image/hub_steering.py says what each costs).

Not here: drawing the UI, or hub-pipeline internals (models/image/hub_steering.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from models.errors import InvalidInputError
from models.image.diffusion import generate
from models.image.frames import upscale
from models.image.request import MAX_GUIDANCE, MAX_STEPS, ImageRequest, StepCallback, to_uint8
from models.settings import Settings, setting
from models.validation import bounded_number, whole_number

MAX_GRID_SIDE = 5  # at most 5 guidance values x 5 step counts: 25 images, ~15 s on 2 CPU cores
# On hub pipelines each step taken apart costs an extra UNet call and three VAE decodes
# (seconds each at 512x512 on a CPU): at most this many, spread over the run by default.
MAX_HUB_PART_STEPS = 10
DEFAULT_GRID_GUIDANCE = (1.0, 2.0, 4.0, 8.0)  # rows: none, mild, the usual, too much
DEFAULT_GRID_STEPS = (5, 10, 15, 25)  # columns, up to the Image tab's default of 25 steps
PART_NAMES = ("unconditional", "with the prompt", "difference", "guided mix")
SHOWN_STEPS = 6  # steps taken apart when none are named: first, last and four between


@dataclass(frozen=True)
class PartsView(Settings):
    """Which steps "guidance, taken apart" shows."""

    at_steps: str = setting(
        "",
        label="Steps to show",
        help=f"e.g. 1, 5, 10 (empty: {SHOWN_STEPS} steps spread over the run)",
    )
    include_predictions: bool = setting(False, label="Include the model's raw predictions")


@dataclass(frozen=True)
class GridView(Settings):
    """The rows and columns of the guidance × steps grid."""

    guidance_values: str = setting(
        ", ".join(f"{g:g}" for g in DEFAULT_GRID_GUIDANCE), label="Guidance values (rows)"
    )
    step_values: str = setting(
        ", ".join(str(s) for s in DEFAULT_GRID_STEPS), label="Step counts (columns)"
    )


IDEA = (
    "Guidance runs the model twice per step, without and with the prompt, and steps with "
    "uncond + s·(cond − uncond): the scale s says how far to push along what the prompt changes."
)


@dataclass
class GuidanceStep:
    """The four pictures at one step (uint8 H x W x 3) and the raw predictions they come from."""

    step: int  # 1-based
    timestep: float
    unconditional: np.ndarray
    conditional: np.ndarray
    difference: np.ndarray
    guided: np.ndarray
    difference_scale: float  # largest |x0(cond) - x0(uncond)| in [-1, 1] pixel units
    # The model outputs (noise or v; latents on hub pipelines), float32 C x H x W, first image:
    outputs: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class GuidanceBreakdown:
    image: np.ndarray  # the run's final image: the plain generation's, for the same settings
    steps: list[GuidanceStep]
    guidance: float  # the scale used in the mix
    notes: list[str] = field(default_factory=list)


@dataclass
class GuidanceGrid:
    guidance_values: list[float]  # rows
    step_values: list[int]  # columns
    images: list[list[np.ndarray]]  # images[row][column]
    seed: int
    notes: list[str] = field(default_factory=list)


# -- inputs ------------------------------------------------------------------------------------
def checked_list(
    raw: Any, name: str, low: float, high: float, *, whole: bool, cap: int
) -> list[float] | list[int]:
    """A list of numbers from a sequence or a comma/space separated string (a text box), each
    checked, duplicates dropped (first kept), at most ``cap`` of them."""
    if isinstance(raw, str):
        items: list[Any] = [item for item in re.split(r"[,;\s]+", raw.strip()) if item]
    elif isinstance(raw, Sequence):
        items = list(raw)
    else:
        items = [] if raw is None else [raw]
    if not items:
        raise InvalidInputError(f"Give at least one value for {name.lower()}, separated by commas.")
    if len(items) > 4 * cap:  # refused before checking each: a list of a million costs nothing
        raise InvalidInputError(
            f"Give at most {cap} different values for {name.lower()}; you gave {len(items):,}."
        )
    check = whole_number if whole else bounded_number
    values: list[Any] = []
    for item in items:
        value = check(name, item, low, high)  # type: ignore[arg-type]
        if value not in values:
            values.append(value)
    if len(values) > cap:
        raise InvalidInputError(
            f"Give at most {cap} different values for {name.lower()} (the cap keeps the run "
            f"short); you gave {len(values)}."
        )
    return values


def checked_steps_to_show(raw: Any, steps: int) -> list[int]:
    """The 1-based steps to take apart; None or "" means every step."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return list(range(1, steps + 1))
    return sorted(checked_list(raw, "Steps to show", 1, steps, whole=True, cap=MAX_STEPS))  # type: ignore[arg-type]


# -- guidance taken apart ----------------------------------------------------------------------
def guidance_parts(
    model: Any,
    request: ImageRequest,
    at_steps: Any = None,
    on_step: StepCallback | None = None,
) -> GuidanceBreakdown:
    """The unconditional, prompt, difference and guided pictures at ``at_steps`` (1-based step
    numbers, a list or "1, 5, 10"; None = every step, or on hub pipelines ``MAX_HUB_PART_STEPS``
    of them evenly spread) of one image made with ``request``."""
    from models.image.hub_pipeline import HubPipelineModel

    request = replace(request, batch=1)
    if not isinstance(model, HubPipelineModel):
        chosen = set(checked_steps_to_show(at_steps, request.steps))
        return _own_parts(model, request, chosen, on_step)
    if at_steps is None or (isinstance(at_steps, str) and not at_steps.strip()):
        spread = np.linspace(1, request.steps, min(request.steps, MAX_HUB_PART_STEPS))
        at_steps = sorted({round(float(step)) for step in spread})
    chosen = set(checked_steps_to_show(at_steps, request.steps))
    if len(chosen) > MAX_HUB_PART_STEPS:
        raise InvalidInputError(
            f"On hub pipelines take apart at most {MAX_HUB_PART_STEPS} steps (each costs an "
            "extra UNet call and three VAE decodes); pick fewer, e.g. '1, 2, 4'."
        )
    return _hub_parts(model, request, chosen, on_step)


def _own_parts(
    model: Any, request: ImageRequest, chosen: set[int], on_step: StepCallback | None
) -> GuidanceBreakdown:
    from models.image.steered_loop import LoopStep, denoise, observed_conditioning

    guided = request.guidance != 1.0
    conditioning = observed_conditioning(model, request.prompt, request.negative_prompt, 1, guided)
    recorded: list[GuidanceStep] = []

    def observe(step: LoopStep) -> None:
        from models.image.steered_loop import predicted_clean

        clean = [
            predicted_clean(step.model_input, output, step.alpha_bar, step.prediction_type)
            for output in (step.uncond, step.cond, step.guided)
        ]
        outputs = {"uncond": step.uncond, "cond": step.cond, "guided": step.guided}
        recorded.append(_step_pictures(step.step, step.timestep, clean, outputs))

    latents = denoise(
        model,
        request,
        conditioning=lambda _step: conditioning,
        observe_steps=chosen,
        observer=observe,
        on_step=on_step,
    )
    notes = []
    if not guided:
        notes.append(
            "Guidance 1 steps with the prompt's prediction alone; the unconditional one is "
            "computed only for this view."
        )
    return GuidanceBreakdown(to_uint8(latents)[0], recorded, request.guidance, notes)


def _hub_parts(
    model: Any, request: ImageRequest, chosen: set[int], on_step: StepCallback | None
) -> GuidanceBreakdown:
    from models.image.hub_steering import hub_guidance_parts

    image, records = hub_guidance_parts(model, request, chosen, on_step)
    steps = [
        _step_pictures(
            r.step,
            r.timestep,
            list(r.clean_pixels),
            {"uncond": r.uncond, "cond": r.cond, "guided": r.guided},
        )
        for r in records
    ]
    notes = ["The pictures are the predicted clean latents decoded by the pipeline's VAE."]
    if request.guidance <= 1.0:
        notes.append(
            "diffusers turns guidance off at scales up to 1: this pipeline stepped with the "
            "prompt's prediction alone (the guided mix shown is that prediction)."
        )
    return GuidanceBreakdown(image, steps, request.guidance, notes)


def _step_pictures(
    step: int, timestep: float, clean: list[Any], outputs: dict[str, Any]
) -> GuidanceStep:
    uncond, cond, guided = (c.float().cpu() for c in clean)
    difference = cond - uncond
    scale = float(difference.abs().max())
    stretched = difference / scale if scale > 0 else difference
    return GuidanceStep(
        step=step,
        timestep=timestep,
        unconditional=to_uint8(uncond)[0],
        conditional=to_uint8(cond)[0],
        difference=to_uint8(stretched)[0],
        guided=to_uint8(guided)[0],
        difference_scale=scale,
        outputs={k: v[0].float().cpu().numpy() for k, v in outputs.items()},
    )


def parts_sheet(breakdown: GuidanceBreakdown, tile: int = 96) -> Image.Image:
    """One row per recorded step: the four pictures under column titles, the step at the left."""
    rows = [[s.unconditional, s.conditional, s.difference, s.guided] for s in breakdown.steps]
    labels = [f"step {s.step}\nt = {s.timestep:.0f}\ndiff x{_stretch(s)}" for s in breakdown.steps]
    titles = [*PART_NAMES[:3], f"guided (s = {breakdown.guidance:g})"]
    return labelled_sheet(rows, titles, labels, tile)


def _stretch(step: GuidanceStep) -> str:
    return f"{1 / step.difference_scale:.1f}" if step.difference_scale > 0 else "0"


# -- guidance x steps grid ---------------------------------------------------------------------
def guidance_grid(
    model: Any,
    request: ImageRequest,
    guidance_values: Any,
    step_values: Any,
    on_step: StepCallback | None = None,
) -> GuidanceGrid:
    """Images for every (guidance, steps) pair from ``request``'s prompt, seed and scheduler.
    ``guidance_values`` and ``step_values`` are lists or comma-separated text, each at most
    ``MAX_GRID_SIDE`` long."""
    from models.image.hub_pipeline import HubPipelineModel

    scales = checked_list(
        guidance_values, "Guidance values", 0.0, MAX_GUIDANCE, whole=False, cap=MAX_GRID_SIDE
    )
    counts = checked_list(step_values, "Step counts", 1, MAX_STEPS, whole=True, cap=MAX_GRID_SIDE)
    request = replace(request, batch=1)
    total = len(scales) * sum(counts) if isinstance(model, HubPipelineModel) else sum(counts)
    done = 0

    def progress(offset: int) -> StepCallback | None:
        if on_step is None:
            return None
        return lambda step, _total: on_step(offset + step, total)

    columns: list[list[np.ndarray]] = []
    notes: list[str] = []
    if isinstance(model, HubPipelineModel):
        notes.append("One pipeline run per cell.")
        for steps in counts:
            column = []
            for scale in scales:
                cell = replace(request, steps=int(steps), guidance=float(scale))
                column.append(generate(model, cell, on_step=progress(done)).images[0])
                done += int(steps)
            columns.append(column)
    else:
        for steps in counts:
            column_request = replace(request, steps=int(steps))
            columns.append(_own_column(model, column_request, scales, progress(done)))
            done += int(steps)
    images = [[columns[c][r] for c in range(len(counts))] for r in range(len(scales))]
    return GuidanceGrid(
        [float(s) for s in scales], [int(c) for c in counts], images, request.seed, notes
    )


def _own_column(
    model: Any, request: ImageRequest, scales: Sequence[float], on_step: StepCallback | None
) -> list[np.ndarray]:
    """One step count, every guidance scale, as one batch."""
    from models.image.steered_loop import denoise, encode_conditioning

    guided = any(scale != 1.0 for scale in scales)
    conditioning = encode_conditioning(
        model, request.prompt, request.negative_prompt, len(scales), guided
    )
    latents = denoise(
        model,
        request,
        conditioning=lambda _step: conditioning,
        scales=[float(s) for s in scales],
        on_step=on_step,
    )
    return to_uint8(latents)


def grid_sheet(grid: GuidanceGrid, tile: int = 96) -> Image.Image:
    """The grid with step counts across the top and guidance scales down the left."""
    titles = [f"{steps} steps" for steps in grid.step_values]
    labels = [f"guidance\n{scale:g}" for scale in grid.guidance_values]
    return labelled_sheet(grid.images, titles, labels, tile)


def labelled_sheet(
    rows: list[list[np.ndarray]], titles: list[str], labels: list[str], tile: int
) -> Image.Image:
    """Pictures in rows, each ``tile`` pixels square, with column titles and row labels (text
    may hold line breaks)."""
    gap, left = 4, 84
    top = 8 + 15 * max(title.count("\n") + 1 for title in titles)
    width = left + len(titles) * (tile + gap)
    sheet = Image.new("RGB", (width, top + len(rows) * (tile + gap)), "white")
    pen = ImageDraw.Draw(sheet)
    for column, title in enumerate(titles):
        pen.text((left + column * (tile + gap) + 2, 4), title, fill=(20, 20, 20), font_size=12)
    for row, (pictures, label) in enumerate(zip(rows, labels, strict=True)):
        y = top + row * (tile + gap)
        pen.text((4, y + 4), label, fill=(20, 20, 20), font_size=12)
        for column, picture in enumerate(pictures):
            shrink = picture.shape[1] > tile  # hub images shrink smoothly, ours grow crisply
            how = Image.Resampling.LANCZOS if shrink else Image.Resampling.NEAREST
            small = upscale(picture, tile).resize((tile, tile), how)
            sheet.paste(small, (left + column * (tile + gap), y))
    return sheet
