"""One-click demos of the Image tab: each ``TabPreset`` (the slug a URL names, the button's
label, what to look at) and the values it puts into the tab's controls, in the order the tab wires
them. ``apply_image`` turns a slug into those values; the tab then runs its demo, so one click (or
one link) ends on a result. Every value was tried with the default models: the notes say what
they show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from components.presenter import PresetBar, TabPreset, preset_values

# Values: (prompt, negative prompt, steps, guidance, seed, scheduler, batch)
IMAGE_PRESETS = (
    TabPreset(
        "green-cat",
        "A green cat it never saw",
        "the model saw green things and cats, but never a green cat: it combines two ideas it "
        "learned separately. Below the pictures, watch one appear out of the noise.",
    ),
    TabPreset(
        "not-red",
        "A triangle, but not red",
        "the negative prompt *red* pushes every image away from red: no red triangles, "
        "whatever colour the noise started towards.",
    ),
    TabPreset(
        "no-prompt",
        "No prompt at all",
        "with an empty prompt nothing guides the model (unconditional generation): from 8 "
        "different starting noises it draws the colours and backgrounds it learned, but vaguer "
        "shapes, because no prompt pulls it towards one thing.",
    ),
)
IMAGE_VALUES: dict[str, tuple[Any, ...]] = {
    "green-cat": ("a green cat on a black background", "", 25, 3.0, 0, "DPM-Solver++", 4),
    "not-red": ("a triangle on black", "red", 25, 3.0, 0, "DPM-Solver++", 4),
    "no-prompt": ("", "", 25, 3.0, 0, "DPM-Solver++", 8),
}


def apply_image(slug: str) -> tuple[Any, ...]:
    return preset_values(IMAGE_VALUES, slug)


# One demo per steering view (components/image/steering_panel.py): each fills the main controls
# it reads and its view's own, opens the view and runs it.
VIEW_PRESETS = (
    TabPreset(
        "guidance-apart",
        "Guidance, taken apart",
        "each row splits one denoising step into the clean image the model predicts without the "
        "prompt, with it, and their difference; the guided mix (scale 5) pushes five times along "
        "that difference. In the early rows the two predictions differ most: that is where the "
        "prompt decides the picture.",
    ),
    TabPreset(
        "switch-prompt",
        "Change the prompt mid-way",
        "a red cat on white for the first 6 of 25 steps, then a blue square on black, from the "
        "same noise: the cat's white background stays, but the object becomes a blue square. "
        "The strip shows the order: switched after 2 steps it is all B, after 4 to 6 the "
        "background is A's, after 16 the whole cat is, because early steps fix the layout.",
    ),
    TabPreset(
        "noise-a-picture",
        "Noise a picture, as in training",
        "a green cat (a combination never in training) noised to more and more steps t, as "
        "training does, with the model's guess of the clean image from each: nearly exact at "
        "small t, only a blurry green blob (the prompt's idea of one) near t = 999.",
    ),
)
# (prompt, negative prompt, steps, guidance, seed, scheduler, steps to show)
GUIDANCE_VALUES: dict[str, tuple[Any, ...]] = {
    "guidance-apart": (
        "a yellow triangle on a black background", "", 25, 5.0, 0, "DPM-Solver++",
        "1, 3, 6, 10, 16, 25",
    ),
}  # fmt: skip
# (prompt A, prompt B, negative prompt, steps, guidance, seed, scheduler, k, switch points)
SWITCH_VALUES: dict[str, tuple[Any, ...]] = {
    "switch-prompt": (
        "a red cat on a white background", "a blue square on a black background", "", 25, 3.0,
        0, "DPM-Solver++", 6, "0, 2, 4, 6, 10, 16, 25",
    ),
}  # fmt: skip
# (shape, colour, background, timesteps, image seed, noise seed)
NOISE_VALUES: dict[str, tuple[Any, ...]] = {
    "noise-a-picture": ("cat", "green", "black", "0, 100, 250, 500, 750, 900, 999", 0, 0),
}


def only(bar: PresetBar, slugs: Iterable[str]) -> PresetBar:
    """The part of the tab's demo bar whose demos are ``slugs`` (``PresetBar.only``)."""
    return bar.only(slugs)
