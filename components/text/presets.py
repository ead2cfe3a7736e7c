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
    TabPreset(
        "branch",
        "Branch at an unsure token",
        "a story, then a branch at the first token (from the fourth) the model gave under 50%, "
        "continued with its "
        "best alternative and the same seed: under *Branch from a token* the two texts share "
        "every token before the orange one and part after it. Compare their log-probabilities.",
    ),
    TabPreset(
        "sample",
        "Sample 4 stories: temperature and diversity",
        "the story prompt at temperature 1, then *Sample N* writes 4 continuations with seeds "
        "11-14: four different openings. Set the temperature to 0 and sample again: one text.",
    ),
    TabPreset(
        "why",
        "Why ' Paris' rather than ' London'?",
        "under *Why this token?*, integrated gradients on 'The capital of France is': ' France' "
        "and ' capital' push towards ' Paris' rather than ' London'; the scores add up to the "
        "logit difference.",
    ),
)
TEXT_VALUES: dict[str, tuple[Any, ...]] = {
    "sure": ("What is the capital of France? Answer in one sentence.", True, 0.0, 0, 1.0, 1.1,
             32, 1),
    "story": ("Write the opening sentence of a fairy tale about a lonely robot.", True, 1.1, 0,
              0.97, 1.05, 48, 7),
    "too-hot": ("Explain in two sentences why the sky is blue.", True, 2.0, 0, 1.0, 1.0, 40, 3),
    "branch": ("Write the opening sentence of a fairy tale about a lonely robot.", True, 0.8, 0,
               0.95, 1.05, 32, 5),
    "sample": ("Write the opening sentence of a fairy tale about a lonely robot.", True, 1.0, 0,
               1.0, 1.05, 24, 11),
    "why": ("What is the capital of France? Answer in one sentence.", True, 0.0, 0, 1.0, 1.1,
            16, 1),
}  # fmt: skip


def apply_text(slug: str) -> tuple[Any, ...]:
    return preset_values(TEXT_VALUES, slug)
