"""The overfitting demo: a one-click run on a tiny slice of a built-in set with many epochs, where
training loss falls towards zero while held-out loss first falls (the adapter learns the task's
form) and then turns up (it memorises its few examples instead), with the turning point found.

The recipe (``OVERFIT_RECIPE``) was tuned on the default SmolLM2 on this project's 2-core CPU
(bench/finetune_dynamics.py prints the figures): 8 question/answer pairs of the "Playground
concepts" set, 8 held-out ones, batches of 2, 8 epochs (32 steps) at the tab's default learning
rate and rank, held-out loss every 2 steps; about 35 s. Measured: held-out loss 4.28 before,
lowest 3.21 at step 10, back up to 4.30 by step 32, while training loss falls from 3.6 to 0.05.
Concepts suit the demo: every answer is a different fact, so memorising 8 of them cannot help
with the other 8 (pirate speak, one style throughout, takes far longer to overfit). A higher
learning rate (1e-2) turns already at step 4, too soon to see the fall; a lower one (1e-3)
needs 40 steps for the same picture.

Not here: the loop and the held-out measurement (models/finetune/loop.py,
models/finetune/evaluation.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.finetune.data import Example, Split, load_builtin, split_examples
from models.finetune.evaluation import turning_point
from models.finetune.settings import MAX_WALL_SECONDS, TrainedAdapter, TrainProgress, TrainSettings
from models.finetune.training import LoraBench
from models.sentences import sentence
from models.validation import whole_number


def assets_folder() -> Path:
    """The repository's assets/finetune/, found from here however deep this file sits."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "assets" / "finetune").is_dir():
            return folder / "assets" / "finetune"
    raise FileNotFoundError("assets/finetune/ is missing next to the models/ folder")


@dataclass(frozen=True)
class OverfitRecipe:
    data_file: str  # in assets/finetune/
    train_examples: int
    held_out_examples: int
    settings: TrainSettings


OVERFIT_RECIPE = OverfitRecipe(
    data_file="concepts.jsonl",
    train_examples=8,
    held_out_examples=8,
    # the declared learning rate and rank; many epochs over few examples, evaluated often
    settings=TrainSettings(epochs=8, batch_size=2, max_steps=500, eval_every=2),
)


@dataclass(frozen=True)
class OverfitResult:
    run: TrainedAdapter
    turning_step: int | None  # where held-out loss was lowest before rising; None if it did not
    train_examples: int
    held_out_examples: int

    def summary(self) -> str:
        """Two sentences on what the curves show, with the numbers."""
        run, points = self.run, self.run.held_out
        if not run.losses or len(points) < 2:
            return sentence("The run ended before it could show anything: run it again to its end.")
        fell = {"first": f"{run.losses[0]:.2f}", "last": f"{run.losses[-1]:.2f}",
                "start": f"{points[0][1]:.2f}", "end": f"{points[-1][1]:.2f}"}  # fmt: skip
        if self.turning_step is None:
            return sentence(
                "Training loss fell from {first} to {last}, and held-out loss went from {start} "
                "to {end} without turning up yet: the model has not overfitted in this run.",
                **fell,
            )
        return sentence(
            "Training loss fell from {first} to {last} on the {train} training examples; "
            "held-out loss on the {held} others fell from {start} to {low} at step {step}, then "
            "rose to {end}. Past step {past} the adapter memorises its examples instead of "
            "learning the task: that is overfitting, and the weights kept are those of the "
            "turning point.",
            train=self.train_examples, held=self.held_out_examples,
            low=f"{dict(points)[self.turning_step]:.2f}", step=self.turning_step,
            past=self.turning_step, **fell,
        )  # fmt: skip


def overfit_split(examples: list[Example], recipe: OverfitRecipe = OVERFIT_RECIPE) -> Split:
    """The recipe's tiny training slice and its held-out examples, from the usual seeded split."""
    split = split_examples(examples)
    train_count = whole_number("train_examples", recipe.train_examples, 1, len(split.train))
    held_count = whole_number("held_out_examples", recipe.held_out_examples, 1, len(split.held_out))
    return Split(train=split.train[:train_count], held_out=split.held_out[:held_count])


def overfit_demo(
    bench: LoraBench,
    split: Split | None = None,
    recipe: OverfitRecipe = OVERFIT_RECIPE,
    on_step: Callable[[TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
    max_seconds: float = MAX_WALL_SECONDS,
) -> OverfitResult:
    """Run the recipe (on ``split`` if given, else on the recipe's built-in set) and find the
    turning point of its held-out curve."""
    if split is None:
        split = overfit_split(load_builtin(assets_folder() / recipe.data_file).examples, recipe)
    run = bench.train(split.train, recipe.settings, on_step, cancel, max_seconds, split.held_out)
    return OverfitResult(run, turning_point(run.held_out), len(split.train), len(split.held_out))
