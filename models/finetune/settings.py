"""What a fine-tuning run is asked for and what it returns: its settings (each declared once,
models/settings.py: the tab's widgets, the ``/finetune`` API and the checker read the
declaration), the progress of each step and the trained adapter.

Plain data shared by the training loop (models/finetune/loop.py), the bench that runs it
(models/finetune/training.py) and everything that reads an adapter back; no torch here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.finetune.evaluation import EVAL_EVERY, MAX_PATIENCE, Point
from models.settings import Settings, setting
from models.validation import MAX_SEED

MAX_WALL_SECONDS = 240  # hard cap per training run, stated in the UI


@dataclass(frozen=True)
class TrainSettings(Settings):
    """How one fine-tune trains: each setting declared once, read by the Fine-tune tab's widgets,
    the ``/finetune`` API, the demos and the checker. Build with ``TrainSettings.checked`` from
    user input (or ``.validated()`` one built in code). A refusal names the API's parameter.

    The tab shows epochs to patience; batch size, LoRA layers, the training seed, how often the
    held-out loss is measured and whether the best step is kept are set in code (the demos, the
    tests, the bench), checked the same way."""

    epochs: int = setting(3, low=1, high=10, step=1, label="Epochs")
    learning_rate: float = setting(
        2e-3, low=1e-6, high=1e-2, label="Learning rate", noun="learning_rate"
    )
    rank: int = setting(8, low=1, high=64, step=1, label="LoRA rank")
    max_seq_len: int = setting(
        96, low=16, high=256, step=8, label="Max tokens per example", noun="max_seq_len"
    )
    max_steps: int = setting(120, low=1, high=500, step=1, label="Max steps", noun="max_steps")
    # Early stop: the run ends after ``patience`` held-out evaluations in a row without a new
    # best (only when ``early_stop`` is on; the patience is checked either way).
    early_stop: bool = setting(
        False, label="Early stop", help="End the run when held-out loss stops improving.",
        noun="early_stop",
    )  # fmt: skip
    patience: int = setting(
        3, low=1, high=MAX_PATIENCE, label="Patience (evaluations without a new best)"
    )
    batch_size: int = setting(8, low=1, high=32, noun="batch_size")
    lora_layers: int = setting(12, low=1, high=64, noun="lora_layers")
    seed: int = setting(0, low=0, high=MAX_SEED, label="Seed")
    # held-out loss every this many steps (0 = off) when the run is given held-out examples
    eval_every: int = setting(EVAL_EVERY, low=0, high=100, noun="eval_every")
    # end with the weights of the evaluated step with the lowest held-out loss
    keep_best: bool = setting(True, noun="keep_best")

    @property
    def stop_patience(self) -> int | None:
        """Evaluations without a new best before an early stop; None when early stop is off."""
        return self.patience if self.early_stop else None


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
