"""The Image tab's steering views as plain functions: guidance taken apart, the guidance x steps
grid, changing the prompt mid-way, and forward noising. components/image/steering_panel.py draws
and wires them; the math is in models/image/guidance.py, prompt_switch.py and forward_noise.py.

Each returns a ``SteeringView``: the picture the tab shows, a summary that says what was
computed, the PNG written for download, and ``data``, JSON-able numbers with the pictures as
base64 PNG, which the API endpoints return as is. Bad input raises ``InvalidInputError`` with a
sentence (``user_errors`` shows it).
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PIL import Image

from components import exports
from components.eta import Progress, counted
from components.image.handlers import image_model
from components.safe_text import inline_code
from models.image.forward_noise import NoiseView, forward_noise, noising_sheet
from models.image.guidance import (
    SHOWN_STEPS,
    GridView,
    PartsView,
    checked_list,
    checked_steps_to_show,
    grid_sheet,
    guidance_grid,
    guidance_parts,
    labelled_sheet,
    parts_sheet,
)
from models.image.prompt_switch import (
    DEFAULT_SWITCH_POINTS,
    MAX_STRIP,
    SwitchView,
    checked_switch_step,
    prompt_switch,
)
from models.image.request import ImageRequest
from models.sentences import joined, paragraphs, sentence

DEFAULT_SWITCH_TEXT = ", ".join(str(k) for k in DEFAULT_SWITCH_POINTS)


@dataclass
class SteeringView:
    picture: Image.Image  # what the view shows (a labelled sheet)
    summary: str  # Markdown: what was computed, in numbers
    png: str  # the picture written as a PNG file, for download
    data: dict[str, Any]  # JSON-able: what the API endpoint returns
    extra: Image.Image | None = None  # a second sheet (the prompt switch's strip)
    raw: Any = None  # the model layer's result (GuidanceBreakdown, GuidanceGrid, ...)


GRID_IDEA = sentence(
    "Every cell starts from the same noise, so a change along a row comes from the number of "
    "steps and a change down a column from the guidance scale."
)


def png_base64(picture: Image.Image | np.ndarray) -> str:
    image = picture if isinstance(picture, Image.Image) else Image.fromarray(picture)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _save(picture: Image.Image, stem: str) -> str:
    path = exports.export_dir("image") / f"{stem}.png"
    picture.save(path, optimize=True)
    return str(path)


def _listed(values: list[Any]) -> str:
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


def _prompt_words(prompt: str) -> str:
    return inline_code(prompt, 60) if prompt else sentence("no prompt (unconditional)")


def _percent(share: float) -> str:
    return f"{share:.1%}" if share >= 0.001 else sentence("under 0.1%")


def spread_steps(raw: Any, steps: int) -> list[int]:
    """The steps to take apart: those named (a list, or "1, 5, 10"), or when none are named
    ``SHOWN_STEPS`` of them spread evenly from the first step to the last."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        spread = np.linspace(1, steps, min(steps, SHOWN_STEPS))
        return sorted({round(float(step)) for step in spread})
    return checked_steps_to_show(raw, steps)


# -- guidance taken apart ----------------------------------------------------------------------
def guidance_parts_view(
    registry: Any,
    model_name: Any,
    request: ImageRequest,
    view: PartsView,
    progress: Progress | None = None,
) -> SteeringView:
    """The unconditional, prompt, difference and guided pictures at ``view.at_steps`` of one
    image. With ``view.include_predictions`` the data holds the model's raw outputs (first image,
    C x H x W nested lists) at each step, so a caller can check guided = uncond + s * (cond -
    uncond)."""
    request = replace(request, batch=1)
    at_steps, include_predictions = view.at_steps, view.include_predictions
    shown = spread_steps(at_steps, request.steps)
    model = image_model(registry, model_name)
    started = time.perf_counter()
    breakdown = guidance_parts(model, request, shown, counted(progress, "Taking guidance apart"))
    seconds = time.perf_counter() - started
    sheet = parts_sheet(breakdown)
    strongest = max(breakdown.steps, key=lambda s: s.difference_scale)
    summary = paragraphs(
        sentence(
            "Guidance {guidance} taken apart at steps {shown} of {steps} {scheduler} steps · "
            "{prompt} · seed {seed} · {seconds} s.",
            guidance=f"{request.guidance:g}", shown=_listed(shown), steps=request.steps,
            scheduler=request.scheduler, prompt=_prompt_words(request.prompt),
            seed=request.seed, seconds=f"{seconds:.2f}",
        ),
        sentence(
            "Each row: the clean image the model predicts without the prompt, with it, their "
            "difference (mid-grey = none, stretched so it shows) and the guided mix the "
            "scheduler stepped with. The prompt changed the prediction most at step {step} "
            "(largest pixel difference {difference} on a scale of −1 to 1).",
            step=strongest.step, difference=f"{strongest.difference_scale:.2f}",
        ),
        " ".join(breakdown.notes),
    )  # fmt: skip
    parts = []
    for step in breakdown.steps:
        part: dict[str, Any] = {
            "step": step.step,
            "timestep": float(step.timestep),
            "difference_scale": step.difference_scale,
        }
        if include_predictions:
            part["predictions"] = {k: v.tolist() for k, v in step.outputs.items()}
        parts.append(part)
    data = {
        "guidance": request.guidance,
        "steps": request.steps,
        "seed": request.seed,
        "scheduler": request.scheduler,
        "at_steps": shown,
        "parts": parts,
        "image_png_base64": png_base64(breakdown.image),
        "sheet_png_base64": png_base64(sheet),
        "summary": summary,
    }
    return SteeringView(sheet, summary, _save(sheet, "guidance-parts"), data, raw=breakdown)


def guidance_grid_view(
    registry: Any,
    model_name: Any,
    request: ImageRequest,
    view: GridView,
    progress: Progress | None = None,
) -> SteeringView:
    """One seed over rows of guidance scales and columns of step counts (at most 5 x 5): the
    request's prompt, negative prompt, seed and scheduler (its own steps and guidance unused)."""
    request = replace(request, batch=1)
    guidance_values, step_values = view.guidance_values, view.step_values
    model = image_model(registry, model_name)
    started = time.perf_counter()
    on_step = counted(progress, "Guidance × steps grid")
    grid = guidance_grid(model, request, guidance_values, step_values, on_step)
    seconds = time.perf_counter() - started
    sheet = grid_sheet(grid)
    rows, columns = len(grid.guidance_values), len(grid.step_values)
    summary = paragraphs(
        sentence(
            "{rows} × {columns} grid = {n} images from one seed ({seed}) · guidance {guidance} "
            "down · {steps} {scheduler} steps across · {prompt} · {seconds} s.",
            rows=rows, columns=columns, n=rows * columns, seed=grid.seed,
            guidance=_listed(grid.guidance_values), steps=_listed(grid.step_values),
            scheduler=request.scheduler, prompt=_prompt_words(request.prompt),
            seconds=f"{seconds:.2f}",
        ),
        joined(" ", GRID_IDEA, *grid.notes),
    )  # fmt: skip
    data = {
        "guidance_values": grid.guidance_values,
        "step_values": grid.step_values,
        "seed": grid.seed,
        "scheduler": request.scheduler,
        "cells_png_base64": [[png_base64(image) for image in row] for row in grid.images],
        "sheet_png_base64": png_base64(sheet),
        "summary": summary,
    }
    return SteeringView(sheet, summary, _save(sheet, "guidance-grid"), data, raw=grid)


# -- prompt switch -----------------------------------------------------------------------------
def default_switch_points(steps: int) -> list[int]:
    """DEFAULT_SWITCH_POINTS (made for 25 steps) scaled to ``steps``."""
    return sorted({round(k * steps / 25) for k in DEFAULT_SWITCH_POINTS})


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """Root-mean-square pixel difference, 0-255."""
    return float(np.sqrt(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)))


def prompt_switch_view(
    registry: Any,
    model_name: Any,
    request: ImageRequest,
    view: SwitchView,
    progress: Progress | None = None,
) -> SteeringView:
    """The request's prompt (A) for the first ``view.switch_at`` steps, then
    ``view.second_prompt`` (B), beside A alone and B alone (same noise); and a strip of switch
    points (empty: DEFAULT_SWITCH_POINTS scaled to the steps)."""
    request = replace(request, batch=1)
    second_prompt, switch_at, switch_points = view.second_prompt, view.switch_at, view.switch_points
    k = checked_switch_step(switch_at, request.steps)
    if switch_points is None or (isinstance(switch_points, str) and not switch_points.strip()):
        points = default_switch_points(request.steps)
    else:
        points = sorted(
            int(p)
            for p in checked_list(
                switch_points, "Switch steps k", 0, request.steps, whole=True, cap=MAX_STRIP
            )
        )
    model = image_model(registry, model_name)
    runs = sorted({0, k, request.steps, *points})
    total = len(runs) * request.steps
    report = counted(progress, "Switching the prompt")
    images: dict[int, np.ndarray] = {}
    started = time.perf_counter()
    for index, point in enumerate(runs):
        offset = index * request.steps
        on_step = None if report is None else (lambda s, _t, o=offset: report(o + s, total))
        result = prompt_switch(model, request, second_prompt, point, on_step=on_step)
        images[point] = result.images[0]
    seconds = time.perf_counter() - started
    only_a, only_b = images[request.steps], images[0]
    trio = labelled_sheet(
        [[only_a, images[k], only_b]],
        ["A only", f"A for {k} steps,\nthen B", "B only"],
        [f"switch at\nk = {k}"],
        128,
    )
    strip = labelled_sheet(
        [[images[p] for p in points]], [f"k = {p}" for p in points], ["A for k\nsteps,\nthen B"], 96
    )
    closer = [
        {"k": p, "to_a": _distance(images[p], only_a), "to_b": _distance(images[p], only_b)}
        for p in points
    ]
    second = second_prompt
    near = "A" if _distance(images[k], only_a) < _distance(images[k], only_b) else "B"
    to_a = [c["k"] for c in closer if c["to_a"] < c["to_b"]]
    to_b = [c["k"] for c in closer if c["k"] not in to_a]
    if to_a and to_b:
        sides = sentence(
            "closer to A alone at k = {a}; closer to B alone at k = {b}",
            a=_listed(to_a), b=_listed(to_b),
        )  # fmt: skip
    elif to_a:
        sides = sentence("closer to A alone at k = {a}", a=_listed(to_a))
    else:
        sides = sentence("closer to B alone at k = {b}", b=_listed(to_b))
    summary = paragraphs(
        sentence(
            "Prompt A {first} for the first {k} of {steps} {scheduler} steps, then prompt B "
            "{second}, from the same noise (seed {seed}) · {runs} runs · {seconds} s.",
            first=_prompt_words(request.prompt), k=k, steps=request.steps,
            scheduler=request.scheduler, second=_prompt_words(second), seed=request.seed,
            runs=len(runs), seconds=f"{seconds:.2f}",
        ),
        sentence(
            "Switched at k = {k}, the image is closer to **{near} alone**. The strip's images "
            "are {sides} (RMS pixel difference).",
            k=k, near=near, sides=sides,
        ),
    )  # fmt: skip
    data = {
        "switch_at": k,
        "steps": request.steps,
        "seed": request.seed,
        "scheduler": request.scheduler,
        "image_png_base64": png_base64(images[k]),
        "only_a_png_base64": png_base64(only_a),
        "only_b_png_base64": png_base64(only_b),
        "strip": [
            {**c, "png_base64": png_base64(images[c["k"]])} for c in closer
        ],  # distances: RMS pixel difference (0-255) to A alone and to B alone
        "summary": summary,
    }
    both = _stack(trio, strip)
    return SteeringView(trio, summary, _save(both, "prompt-switch"), data, extra=strip, raw=images)


def _stack(top: Image.Image, bottom: Image.Image) -> Image.Image:
    sheet = Image.new("RGB", (max(top.width, bottom.width), top.height + bottom.height), "white")
    sheet.paste(top, (0, 0))
    sheet.paste(bottom, (0, top.height))
    return sheet


# -- forward noising ---------------------------------------------------------------------------
def forward_noise_view(registry: Any, model_name: Any, view: NoiseView) -> SteeringView:
    """A training-style image noised to each timestep, beside the model's guess of the clean
    image from there, with how far each guess is from the real image."""
    model = image_model(registry, model_name)
    started = time.perf_counter()
    result = forward_noise(
        model,
        view.timesteps,
        shape=view.shape,
        colour=view.colour,
        background=view.background,
        image_seed=view.image_seed,
        noise_seed=view.noise_seed,
    )
    seconds = time.perf_counter() - started
    sheet = noising_sheet(result)
    sheet = _stack(labelled_sheet([[result.clean]], ["clean image x0"], ["drawn"], 96), sheet)
    errors = [_distance(view.predicted_clean, result.clean) for view in result.views]
    views = result.views
    seen = (
        sentence("never seen in training")
        if result.held_out
        else sentence("a training combination")
    )
    attributes = result.attributes
    summary = paragraphs(
        sentence(
            "A {colour} {shape} on {background} ({seen}) noised to t = {timesteps} with the "
            "training schedule ({space}) · one model call · {seconds} s.",
            colour=sentence(attributes.colour), shape=sentence(attributes.shape),
            background=sentence(attributes.background), seen=seen,
            timesteps=_listed([v.timestep for v in views]), space=sentence(result.space),
            seconds=f"{seconds:.2f}",
        ),
        sentence(
            "The clean image's share of the signal falls from {start} at t = {t0} to {end} at "
            "t = {t1}; the model's guess (conditioned on {prompt}) is off by {low} to {high} "
            "(RMS pixel difference, 0–255).",
            start=_percent(views[0].alpha_bar), t0=views[0].timestep,
            end=_percent(views[-1].alpha_bar), t1=views[-1].timestep,
            prompt=_prompt_words(result.prompt), low=f"{errors[0]:.1f}",
            high=f"{errors[-1]:.1f}",
        ),
    )  # fmt: skip
    data = {
        "prompt": result.prompt,
        "held_out": result.held_out,
        "space": result.space,
        "levels": [
            {"timestep": v.timestep, "alpha_bar": v.alpha_bar, "guess_error": e}
            for v, e in zip(views, errors, strict=True)
        ],
        "clean_png_base64": png_base64(result.clean),
        "sheet_png_base64": png_base64(sheet),
        "summary": summary,
    }
    return SteeringView(sheet, summary, _save(sheet, "forward-noise"), data, raw=result)
