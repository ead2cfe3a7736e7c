"""One-click demos of the Fine-tune tab: each ``TabPreset`` (the slug a URL names, the button's
label, what to look at) and the values it puts into the tab's controls, in the order the tab wires
them. ``apply_finetune`` turns a slug into those values; the tab then runs its demo, so one
click (or one link) ends on a result. Every value was tried with the default models: the notes
say what they show.
"""

from __future__ import annotations

from typing import Any

from components.presenter import TabPreset, preset_values

# Values: (data set, epochs, max steps, your prompts)
FINETUNE_PRESETS = (
    TabPreset(
        "pirate",
        "Teach it pirate speak",
        "80 examples, about two minutes on a 2-core CPU (the status counts down): the same base "
        "model, asked the same held-out questions with the same seed, now answers like a pirate. "
        "Watch the loss fall.",
    ),
    TabPreset(
        "haiku",
        "Teach it haiku",
        "the fine-tuned model learns the short three-line shape of a haiku from a few dozen "
        "examples; the base model just chats.",
    ),
    TabPreset(
        "concepts",
        "Teach it this playground",
        "trained on short answers about this playground's ideas, the model picks up their "
        "wording and length: a small taste of adapting a model to your own documents.",
    ),
)
FINETUNE_VALUES: dict[str, tuple[Any, ...]] = {
    "pirate": ("Pirate speak", 3, 120, "What is the best way to learn?\nDescribe the sea."),
    "haiku": ("Haiku", 3, 120, "Write about the moon.\nWrite about a train."),
    "concepts": ("Playground concepts", 3, 120, "What is a token?\nWhat is fine-tuning?"),
}


def apply_finetune(slug: str) -> tuple[Any, ...]:
    return preset_values(FINETUNE_VALUES, slug)
