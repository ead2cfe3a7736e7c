"""One-click demos of the Fine-tune tab: each ``TabPreset`` (the slug a URL names, the button's
label, what to look at) and the ``FinetuneDemo`` it puts into the tab's controls: a data set, the
prompts to compare and settings objects, set by name; what a demo does not name keeps its
declared default (models/finetune/settings.py, models/finetune/compare.py). The tab then runs
the demo, so one click (or one link) ends on a result. Every value was tried with the default
models: the notes say what they show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.demos import TabPreset, preset_values
from models.finetune.compare import CompareSettings
from models.finetune.settings import TrainSettings


@dataclass(frozen=True)
class FinetuneDemo:
    """What a demo puts into the Fine-tune tab: the data set (a built-in set's name), your
    prompts (one per line), and how to train and compare (settings objects: each value under
    its one name)."""

    data: str
    prompts: str
    train: TrainSettings = field(default_factory=TrainSettings)
    compare: CompareSettings = field(default_factory=CompareSettings)


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
# The three above train with the declared settings.
FINETUNE_DEMOS: dict[str, FinetuneDemo] = {
    "pirate": FinetuneDemo("Pirate speak", "What is the best way to learn?\nDescribe the sea."),
    "haiku": FinetuneDemo("Haiku", "Write about the moon.\nWrite about a train."),
    "concepts": FinetuneDemo("Playground concepts", "What is a token?\nWhat is fine-tuning?"),
}


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
# Early stop: many epochs at a high learning rate, stopping after 2 evaluations without a new best.
EARLY_STOP_DEMOS: dict[str, FinetuneDemo] = {
    "early-stop": FinetuneDemo(
        "Playground concepts",
        "What is a token?\nWhat is overfitting?",
        TrainSettings(epochs=10, learning_rate=5e-3, early_stop=True, patience=2),
    ),
}
# The short run before the round trip.
ROUND_TRIP_DEMOS: dict[str, FinetuneDemo] = {
    "bring-back": FinetuneDemo(
        "Haiku", "Write about the moon.\nWrite about a train.", TrainSettings(max_steps=8)
    ),
}
# These views take no settings: their demo opens the view and runs it.
OVERFIT_DEMOS = ("overfit",)
TRANSFER_DEMOS = ("scratch-vs-pretrained",)
ALL_PRESETS = (*FINETUNE_PRESETS, *DYNAMICS_PRESETS)
# The demos that pick data, check it and train, as the Fine-tune button does.
TRAINING_DEMOS = {**FINETUNE_DEMOS, **EARLY_STOP_DEMOS}


def finetune_demo(slug: str) -> FinetuneDemo:
    """The demo ``slug`` puts into the tab (a sentence naming the demos when unknown)."""
    return preset_values({**TRAINING_DEMOS, **ROUND_TRIP_DEMOS}, slug)
