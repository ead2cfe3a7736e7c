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


# The learning-dynamics views' demos (components/finetune/dynamics_panel.py), after the three above.
DYNAMICS_PRESETS = (
    TabPreset(
        "early-stop",
        "Stop early, keep the best step",
        "the playground-concepts set for up to 10 epochs (40 steps) at a high learning rate, "
        "stopping after 2 held-out evaluations without a new best. Measured here: held-out "
        "loss 4.28 before, lowest 3.13 at step 5, 4.12 by step 15 while the training loss "
        "still fell, so the run stops at step 15 (about 40 s) and keeps step 5's adapter "
        "(the star).",
    ),
    TabPreset(
        "overfit",
        "Watch it overfit",
        "8 examples, 8 epochs, about 35 s: training loss falls towards zero while the loss on 8 "
        "other examples falls, then turns up. The dashed line marks the turning point, where "
        "learning the task became memorising the examples.",
    ),
    TabPreset(
        "scratch-vs-pretrained",
        "From scratch vs pretrained",
        "about 75 s for both arms (the bar fills): the same 30 steps on the same examples, as "
        "LoRA on the pretrained model and as a fresh model trained from nothing. The fresh "
        "model's held-out loss stays far higher and its answers are word salad: pre-training "
        "is what makes a few dozen examples enough.",
    ),
    TabPreset(
        "bring-back",
        "Export and bring back",
        "a short run on haiku (8 steps), then the round trip a later visit makes: the adapter "
        "is exported as a zip and brought back into this session from that file. The summary "
        "names its base model, rank and steps; its held-out loss is the one it had.",
    ),
)
# (data set, epochs, max steps, your prompts, learning rate, early stop, patience)
EARLY_STOP_VALUES: dict[str, tuple[Any, ...]] = {
    "early-stop": (
        "Playground concepts", 10, 120, "What is a token?\nWhat is overfitting?", 5e-3, True, 2,
    ),
}  # fmt: skip
# (data set, epochs, max steps, your prompts): the short run before the round trip
ROUND_TRIP_VALUES: dict[str, tuple[Any, ...]] = {
    "bring-back": ("Haiku", 3, 8, "Write about the moon.\nWrite about a train."),
}
OVERFIT_VALUES = ("overfit",)
TRANSFER_VALUES = ("scratch-vs-pretrained",)
ALL_PRESETS = (*FINETUNE_PRESETS, *DYNAMICS_PRESETS)


def apply_early_stop(slug: str) -> tuple[Any, ...]:
    return preset_values(EARLY_STOP_VALUES, slug)


def apply_round_trip(slug: str) -> tuple[Any, ...]:
    return preset_values(ROUND_TRIP_VALUES, slug)
