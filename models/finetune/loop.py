"""The optimiser loop shared by LoRA fine-tuning (``LoraBench.train``) and full training of a small
fresh model (models/finetune/transfer.py): AdamW over whatever parameters require gradients, a
short warm-up then linear decay, gradient clipping, a stop on cancel / time cap / early stop, and
live held-out evaluation that keeps the best step's weights (models/finetune/evaluation.py).

It knows nothing about LoRA: the caller says which weights to keep (``weights``) and below which
layer the model is frozen (``first_trained_layer``, for models/finetune/frozen_prefix.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from models.finetune.batches import batch_order, encode_batches
from models.finetune.data import Example
from models.finetune.evaluation import EVAL_BATCH, HeldOutEvaluator, HeldOutTracker, live_subset
from models.finetune.frozen_prefix import FrozenPrefixCache
from models.finetune.settings import MAX_WALL_SECONDS, TrainedAdapter, TrainProgress, TrainSettings
from models.sentences import sentence


def lr_scale(step: int, total: int) -> float:
    """Warm-up over 4 steps, then linear decay to 5%: stable on tiny data sets at a high rate."""
    return min(1.0, (step + 1) / 4) * (1 - step / max(total, 1)) + 0.05


def stop_reason(cancel: threading.Event | None, started: float, max_seconds: float) -> str:
    if cancel is not None and cancel.is_set():
        return "cancelled"
    if time.perf_counter() - started > max_seconds:
        return f"stopped at the {max_seconds:.0f} s time cap"
    return ""


def copied(state: dict[str, Any]) -> dict[str, Any]:
    return {name: tensor.detach().clone() for name, tensor in state.items()}


def train_loop(
    model: Any,
    tokenizer: Any,
    examples: list[Example],
    settings: TrainSettings,
    *,
    weights: Callable[[], dict[str, Any]],
    first_trained_layer: int = 0,
    reuse_frozen_layers: bool = True,
    held_out: list[Example] | None = None,
    on_step: Callable[[TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
    max_seconds: float = MAX_WALL_SECONDS,
) -> TrainedAdapter:
    """Train ``model`` in place; the result holds the kept weights (``weights()`` at the best
    evaluated step when ``settings.keep_best``, else at the last step), the curves and timings.
    ``settings`` must be validated. Its ``base_model`` and ``config`` are the caller's to fill."""
    import torch

    batches = encode_batches(tokenizer, examples, settings)  # refuses when nothing is trainable
    kept = sum(len(ids) for ids, _, _ in batches)
    result = TrainedAdapter({}, {}, "")
    if kept < len(examples):
        result.notes.append(
            f"{len(examples) - kept} of {len(examples)} training examples keep none of their "
            f"answer within {settings.max_seq_len} tokens and were left out."
        )
    tracker = HeldOutTracker(settings.eval_every if held_out else 0, settings.stop_patience)
    frozen = FrozenPrefixCache(model, first_trained_layer, enabled=reuse_frozen_layers)
    evaluator = None
    if tracker.every:
        eval_settings = replace(settings, batch_size=EVAL_BATCH)
        measured = live_subset(held_out or [])
        eval_batches = encode_batches(tokenizer, measured, eval_settings)
        result.held_out_examples = len(measured)
        evaluator = HeldOutEvaluator(frozen.forward, model, eval_batches)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.0)
    total = min(settings.max_steps, len(batches) * settings.epochs)
    best: dict[str, Any] | None = None
    started = time.perf_counter()

    def evaluate(step: int) -> None:
        nonlocal best
        assert evaluator is not None
        began = time.perf_counter()
        if tracker.record(step, evaluator.loss()) and settings.keep_best:
            best = copied(weights())
        result.eval_seconds += time.perf_counter() - began

    if tracker.due(0, total):
        evaluate(0)
    model.train()
    step = 0
    for epoch in range(settings.epochs):
        for index in batch_order(len(batches), settings.seed + epoch):
            if step >= total or result.stopped:
                break
            result.stopped = stop_reason(cancel, started, max_seconds)
            if result.stopped:
                break
            for group in optimizer.param_groups:
                group["lr"] = settings.learning_rate * lr_scale(step, total)
            ids, mask, labels = batches[index]
            loss = frozen.loss(index, ids, mask, labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            result.losses.append(float(loss.detach()))
            if tracker.due(step, total):
                evaluate(step)
                if tracker.exhausted:
                    result.stopped = (
                        sentence(
                            "stopped early at step {step}: held-out loss had not improved for "
                            "{n} evaluations",
                            step=step, n=tracker.patience,
                        )
                        if tracker.patience != 1
                        else sentence(
                            "stopped early at step {step}: held-out loss had not improved for "
                            "1 evaluation",
                            step=step,
                        )
                    )  # fmt: skip
            if on_step is not None:
                seconds = time.perf_counter() - started
                on_step(
                    TrainProgress(
                        step,
                        total,
                        epoch + 1,
                        result.losses[-1],
                        seconds,
                        tuple(tracker.points),
                        tracker.best_step,
                    )
                )
        if result.stopped or step >= total:
            break
    model.eval()
    result.steps, result.seconds = step, time.perf_counter() - started
    result.held_out = list(tracker.points)
    if best is not None and tracker.best_step != step:
        result.state_dict, result.kept_step = best, int(tracker.best_step or 0)
    else:
        result.state_dict, result.kept_step = copied(weights()), step
    return result
