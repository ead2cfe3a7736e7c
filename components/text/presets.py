"""One-click demos of the Text tab: each ``TabPreset`` (the slug a URL names, the button's
label, what to look at) and the ``TextDemo`` it puts into the tab's controls (a prompt and a
settings object, set by name). The tab then runs its demo, so one click (or one link) ends on a
result. Every value was tried with the default models: the notes say what they show.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.demos import TabPreset, preset_values
from models.text.generation import SamplingSettings

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


@dataclass(frozen=True)
class TextDemo:
    """What a demo puts into the Text tab: a prompt, chat mode and a sampler (a settings object:
    each value under its one name, models/text/generation.py declares their ranges)."""

    prompt: str
    sampling: SamplingSettings
    chat: bool = True


ROBOT = "Write the opening sentence of a fairy tale about a lonely robot."
FRANCE = "What is the capital of France? Answer in one sentence."
TEXT_DEMOS: dict[str, TextDemo] = {
    "sure": TextDemo(
        FRANCE, SamplingSettings(temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=32, seed=1)
    ),
    "story": TextDemo(
        ROBOT,
        SamplingSettings(
            temperature=1.1, top_k=0, top_p=0.97, repetition_penalty=1.05, max_new_tokens=48, seed=7
        ),
    ),
    "too-hot": TextDemo(
        "Explain in two sentences why the sky is blue.",
        SamplingSettings(
            temperature=2.0, top_k=0, top_p=1.0, repetition_penalty=1.0, max_new_tokens=40, seed=3
        ),
    ),
    "branch": TextDemo(
        ROBOT,
        SamplingSettings(
            temperature=0.8, top_k=0, top_p=0.95, repetition_penalty=1.05, max_new_tokens=32, seed=5
        ),
    ),
    "sample": TextDemo(
        ROBOT,
        SamplingSettings(
            temperature=1.0, top_k=0, top_p=1.0, repetition_penalty=1.05, max_new_tokens=24, seed=11
        ),
    ),
    "why": TextDemo(
        FRANCE, SamplingSettings(temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=16, seed=1)
    ),
}


def text_demo(slug: str) -> TextDemo:
    return preset_values(TEXT_DEMOS, slug)
