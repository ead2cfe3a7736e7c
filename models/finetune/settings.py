"""What a fine-tuning run is asked for and what it returns: the checked settings (with the ranges
the tab's widgets read), the progress of each step and the trained adapter.

Plain data shared by the training loop (models/finetune/loop.py), the bench that runs it
(models/finetune/training.py) and everything that reads an adapter back; no torch here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from models.errors import InvalidInputError
from models.finetune.evaluation import EVAL_EVERY, MAX_PATIENCE, Point
from models.validation import MAX_SEED, bounded_number, whole_number

MAX_WALL_SECONDS = 240  # hard cap per training run, stated in the UI


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters with their allowed ranges (checked by ``validated``)."""

    epochs: int = 3
    learning_rate: float = 2e-3
    rank: int = 8
    max_seq_len: int = 96
    max_steps: int = 120
    batch_size: int = 8
    lora_layers: int = 12
    seed: int = 0
    eval_every: int = EVAL_EVERY  # held-out loss every this many steps (0 = off) when given any
    patience: int | None = None  # early stop after this many evaluations without a new best
    keep_best: bool = True  # end with the weights of the evaluated step with the lowest loss

    LIMITS = {  # noqa: RUF012 - a class-level table, not a dataclass field
        "epochs": (1, 10),
        "learning_rate": (1e-6, 1e-2),
        "rank": (1, 64),
        "max_seq_len": (16, 256),
        "max_steps": (1, 500),
        "batch_size": (1, 32),
        "lora_layers": (1, 64),
        "seed": (0, MAX_SEED),
        "eval_every": (0, 100),
    }

    def validated(self) -> TrainSettings:
        """Self, or InvalidInputError naming the first bad value and its range."""
        values: dict[str, Any] = {}
        for name, (low, high) in self.LIMITS.items():
            check = bounded_number if name == "learning_rate" else whole_number
            values[name] = check(name, getattr(self, name), low, high)
        if self.patience is not None:  # None = no early stop; 0 would stop before it starts
            values["patience"] = whole_number("patience", self.patience, 1, MAX_PATIENCE)
        if not isinstance(self.keep_best, bool):
            raise InvalidInputError("keep_best must be true or false.")
        return replace(self, **values)


@dataclass
class TrainedAdapter:
    """A session's fine-tune: LoRA weights (CPU tensors), their config, and what happened."""

    state_dict: dict[str, Any]
    config: dict[str, Any]
    base_model: str
    losses: list[float] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    stopped: str = ""  # why training ended early ("cancelled", "time cap", early stop), or ""
    held_out: list[Point] = field(default_factory=list)  # (step, held-out loss), from step 0
    held_out_examples: int = 0  # how many held-out examples the curve is measured on
    kept_step: int = 0  # the step whose weights ``state_dict`` holds (the best one, or the last)
    eval_seconds: float = 0.0  # part of ``seconds`` spent on held-out evaluations
    notes: list[str] = field(default_factory=list)  # e.g. examples left out, where it came from


@dataclass(frozen=True)
class TrainProgress:
    step: int
    total_steps: int
    epoch: int
    loss: float
    seconds: float
    held_out: tuple[Point, ...] = ()  # the held-out curve so far (step 0 = before training)
    best_step: int | None = None  # the evaluated step with the lowest held-out loss so far
