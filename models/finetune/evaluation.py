"""Held-out loss while training: when to measure it, how to measure it cheaply, when to stop early,
which step's weights to keep, and where the held-out curve turns up (overfitting).

The number is the one ``LoraBench.held_out_loss`` gives for a finished adapter: the mean
cross-entropy over the response tokens of the held-out examples (prompt tokens carry no label).
Live, it is measured without gradients, in batches of ``EVAL_BATCH`` examples, and through the
training run's ``FrozenPrefixCache``: the frozen bottom layers run once per held-out batch for the
whole run, every later evaluation runs only the trained top layers.

Cheap, measured: on 2 CPU cores one evaluation of 20 pirate examples costs about what a
training step of 8 does (a forward pass through the 12 trained layers of 20 sequences against a
forward and backward pass of 8), so the live curve uses the first ``LIVE_HELD_OUT`` held-out
examples, and one evaluation every ``EVAL_EVERY`` steps; with the output layer computed only
where an answer token is predicted (a third of the positions), the curve adds about a tenth to
a 100-example, 3-epoch run (bench/finetune_dynamics.py).

An evaluation at step 0 (before any update) is the base model's own held-out loss: the LoRA
matrices start with B = 0, so the adapter changes nothing yet. It starts the curve and is the
"before" figure, measured with the run's own token limit.

The best step is chosen among evaluations after step 0: an adapter that never beats the base
model is still an adapter the user asked for, and the curve shows that it did not help.

Not here: the optimiser loop (models/finetune/training.py), the overfitting recipe
(models/finetune/overfit.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from models.finetune.data import Example
from models.sentences import joined, sentence

EVAL_EVERY = 5  # steps between held-out evaluations: 9 in a 39-step run, including step 0
EVAL_BATCH = 8  # held-out examples per forward pass, the same as LoraBench.held_out_loss
LIVE_HELD_OUT = 10  # held-out examples in the live curve (all of them when there are fewer)
MAX_PATIENCE = 50
Point = tuple[int, float]  # (step, held-out loss)


def live_subset(examples: list[Example]) -> list[Example]:
    """The held-out examples the live curve is measured on: the first ``LIVE_HELD_OUT``."""
    return examples[:LIVE_HELD_OUT]


def token_loss_sums(logits: Any, labels: Any) -> tuple[float, int]:
    """Summed next-token cross-entropy over the labelled positions, and how many there were."""
    import torch

    logits, targets = logits[:, :-1], labels[:, 1:]
    total = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]).float(),
        targets.reshape(-1),
        ignore_index=-100,
        reduction="sum",
    )
    return float(total), int((targets != -100).sum())


class HeldOutEvaluator:
    """Held-out loss of the model being trained, through its frozen-prefix cache.

    ``forward(key, ids, mask)`` is the cache's forward (models/finetune/frozen_prefix.py); held-out
    keys are ``("held-out", i)`` so they never collide with the training batches' keys."""

    def __init__(self, forward: Any, model: Any, batches: list[tuple[Any, Any, Any]]) -> None:
        self.forward = forward
        self.model = model
        self.batches = batches

    def loss(self) -> float:
        import torch

        was_training = self.model.training
        self.model.eval()
        total, count = 0.0, 0
        try:
            with torch.no_grad():
                for index, (ids, mask, labels) in enumerate(self.batches):
                    # the output layer (49,152 x 576 for SmolLM2, 40% of the top layers' work)
                    # runs only where an answer token is predicted, not on the prompts
                    keep = torch.zeros_like(labels, dtype=torch.bool)
                    keep[:, :-1] = labels[:, 1:] != -100
                    logits = self.forward(("held-out", index), ids, mask, logits_to_keep=keep)
                    targets = labels[:, 1:][keep[:, :-1]]
                    total += float(
                        torch.nn.functional.cross_entropy(
                            logits.logits.float(), targets, reduction="sum"
                        )
                    )
                    count += int(targets.numel())
        finally:
            self.model.train(was_training)
        return total / count


@dataclass
class HeldOutTracker:
    """The held-out curve of one run, the best step so far and the early-stop rule.

    Early stop: after ``patience`` evaluations in a row without a held-out loss below the best so
    far, training stops (``None`` = never stop early)."""

    every: int = EVAL_EVERY
    patience: int | None = None
    points: list[Point] = field(default_factory=list)
    best_step: int | None = None
    best_loss: float = math.inf
    waited: int = 0  # evaluations since the best one

    def due(self, step: int, total: int) -> bool:
        """Whether to evaluate after ``step`` (0 = before training; the last step always)."""
        if self.every <= 0:
            return False
        return step == 0 or step % self.every == 0 or step == total

    def record(self, step: int, loss: float) -> bool:
        """Add an evaluation; True when it is the new best (so its weights should be kept)."""
        self.points.append((step, loss))
        if step == 0:
            return False
        if loss < self.best_loss:
            self.best_step, self.best_loss, self.waited = step, loss, 0
            return True
        self.waited += 1
        return False

    @property
    def exhausted(self) -> bool:
        return self.patience is not None and self.waited >= self.patience


def turning_point(points: list[Point]) -> int | None:
    """The step of the lowest held-out loss, if the loss rose after it (the curve turned up:
    from there on the model learns its training examples rather than the task); None while the
    lowest point is the latest one. Step 0 (the untrained model) is never the turning point."""
    trained = [(step, loss) for step, loss in points if step > 0]
    if not trained:
        return None
    best = min(range(len(trained)), key=lambda i: (trained[i][1], i))
    return trained[best][0] if best < len(trained) - 1 else None


def held_out_report(
    points: list[Point], kept_step: int, steps: int, stopped: str = "", examples: int = 0
) -> str:
    """What the live curve says, for the results panel: the loss before training, its lowest
    point, where it ended, and which step's weights the adapter holds (``TrainedAdapter``
    fields: ``held_out``, ``kept_step``, ``steps``, ``stopped``, ``held_out_examples``)."""
    if not points:
        return ""
    best_step, best = min(points[1:] or points, key=lambda point: point[1])
    end_step, end = points[-1]
    facts = {"m": examples, "before": f"{points[0][1]:.3f}", "low": f"{best:.3f}",
             "step": best_step, "n": steps}  # fmt: skip
    later = {"end": f"{end:.3f}", "last": end_step}
    if end_step == best_step:
        report = sentence(
            "Held-out loss on {m} held-out examples {before} before training, lowest {low} at "
            "step {step}; the adapter is the last step's ({n}).",
            **facts,
        )
    elif kept_step == steps:
        report = sentence(
            "Held-out loss on {m} held-out examples {before} before training, lowest {low} at "
            "step {step}, {end} at step {last}; the adapter is the last step's ({n}).",
            **facts, **later,
        )  # fmt: skip
    else:
        report = sentence(
            "Held-out loss on {m} held-out examples {before} before training, lowest {low} at "
            "step {step}, {end} at step {last}; the adapter kept is step {kept}'s, not the last "
            "step's ({n}).",
            kept=kept_step, **facts, **later,
        )  # fmt: skip
    if stopped.startswith("stopped early"):
        return joined(" ", report, sentence("Training {stopped}.", stopped=stopped))
    return report
