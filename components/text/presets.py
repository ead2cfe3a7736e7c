"""One-click demos of the Text tab: each ``TabPreset`` (the slug a URL names, the button's
label, what to look at) and the values it puts into the tab's controls, in the order the tab wires
them. ``apply_text`` turns a slug into those values; the tab then runs its demo, so one click (or
one link) ends on a result. Every value was tried with the default models: the notes say what
they show.
"""

from __future__ import annotations

from typing import Any

from components.presenter import TabPreset, preset_values

# Values: (prompt, chat, temperature, top_k, top_p, repetition penalty, max new tokens, seed)
TEXT_PRESETS = (
    TabPreset(
        "sure",
        "A question with one answer",
        "greedy decoding (temperature 0) on a plain fact: nearly every token is green, the "
        "model gave it 90% or more. Click a token to see how little room the alternatives had.",
    ),
    TabPreset(
        "story",
        "A story: many good next tokens",
        "temperature 1.1 on an open-ended prompt: yellow, orange and red tokens are places "
        "where the model had many reasonable choices and the sampler picked a less likely one. "
        "Another seed gives another story.",
    ),
    TabPreset(
        "too-hot",
        "Too hot: temperature 2",
        "temperature 2 with top-k and top-p off flattens the distribution so much that rare "
        "tokens win: the text falls apart and turns red. This is why samplers exist.",
    ),
)
TEXT_VALUES: dict[str, tuple[Any, ...]] = {
    "sure": ("What is the capital of France? Answer in one sentence.", True, 0.0, 0, 1.0, 1.1,
             32, 1),
    "story": ("Write the opening sentence of a fairy tale about a lonely robot.", True, 1.1, 0,
              0.97, 1.05, 48, 7),
    "too-hot": ("Explain in two sentences why the sky is blue.", True, 2.0, 0, 1.0, 1.0, 40, 3),
}  # fmt: skip


def apply_text(slug: str) -> tuple[Any, ...]:
    return preset_values(TEXT_VALUES, slug)
