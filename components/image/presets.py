"""One-click demos of the Image tab: each ``TabPreset`` (the slug a URL names, the button's
label, what to look at) and the values it puts into the tab's controls, in the order the tab wires
them. ``apply_image`` turns a slug into those values; the tab then runs its demo, so one click (or
one link) ends on a result. Every value was tried with the default models: the notes say what
they show.
"""

from __future__ import annotations

from typing import Any

from components.presenter import TabPreset, preset_values

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
