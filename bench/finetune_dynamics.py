"""Learning dynamics on the default model (issue 18, items 4-6), each figure measured in this run:

1. live held-out evaluation: a 100-example, 3-epoch LoRA run (bench/finetune.py's) with held-out
   loss every ``EVAL_EVERY`` steps vs the same run with evaluation off (goal: <= 1.15x), timed
   off, on, on, off so a machine that drifts favours neither. The held-out examples are the
   pirate set's usual split (20; the live curve measures the first ``LIVE_HELD_OUT``); they are
   among the 100 trained on here, which changes the loss values, not the time;
2. the overfitting demo (models/finetune/overfit.py): its time (goal: about 60 s) and the turning
   point of its held-out curve;
3. from scratch vs pretrained (models/finetune/transfer.py) on the pirate set: both arms' times
   (goal: <= 120 s together), held-out losses and greedy answers side by side.

Run: ``.venv/bin/python bench/finetune_dynamics.py [eval] [overfit] [transfer]`` (default: all)
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.builtin import SMOLLM2, default_registry
from models.finetune.data import load_builtin, split_examples
from models.finetune.evaluation import EVAL_EVERY, live_subset
from models.finetune.overfit import overfit_demo
from models.finetune.training import LoraBench, TrainSettings
from models.finetune.transfer import transfer_demo

DATA = Path(__file__).resolve().parent.parent / "assets" / "finetune" / "pirate.jsonl"


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def eval_overhead(bench: LoraBench) -> None:
    examples = load_builtin(DATA).examples[:100]
    held_out = split_examples(examples).held_out
    settings = TrainSettings(epochs=3, max_steps=500)
    bench.train(examples[:16], replace(settings, max_steps=2), max_seconds=3600)  # warm-up
    # off, on, on, off: a machine that speeds up or slows down during the bench favours neither
    times: dict[bool, list[float]] = {False: [], True: []}
    runs = {}
    for live in (False, True, True, False):
        runs[live], seconds = timed(
            bench.train, examples, settings, max_seconds=3600, held_out=held_out if live else None
        )
        times[live].append(seconds)
    off, on = runs[False], runs[True]
    off_s, on_s = sum(times[False]) / 2, sum(times[True]) / 2
    # what the tab measures today: held-out loss before and after, on all the held-out examples
    _, extra_s = timed(bench.held_out_loss, held_out, None, settings.max_seq_len)
    _, after_s = timed(bench.held_out_loss, held_out, off, settings.max_seq_len)
    print(
        f"1. live held-out loss: {len(examples)} examples x {settings.epochs} epochs "
        f"({on.steps} steps), live curve on {len(live_subset(held_out))} of {len(held_out)} "
        f"held-out examples every {EVAL_EVERY} steps "
        f"({len(on.held_out)} evaluations incl. step 0); runs off, on, on, off"
    )
    print(f"   evaluation off: {off_s:6.1f} s  ({', '.join(f'{t:.1f}' for t in times[False])})")
    print(
        f"   evaluation on:  {on_s:6.1f} s  ({', '.join(f'{t:.1f}' for t in times[True])}; "
        f"{on.eval_seconds:.1f} s of the last evaluating)  ratio {on_s / off_s:.3f}x  "
        f"goal <= 1.15x: {on_s / off_s <= 1.15}"
    )
    evaluating = on.eval_seconds / (on.seconds - on.eval_seconds)
    print(f"   within the last run with evaluation: evaluating added {evaluating:.1%}")
    print(
        f"   counting the tab's before/after measurement (2 held-out passes, "
        f"{extra_s + after_s:.1f} s) that the curve's first and kept points can stand in for: "
        f"{on_s / (off_s + extra_s + after_s):.3f}x"
    )
    print(f"   kept step {on.kept_step} of {on.steps}; curve {rounded(on.held_out)}")


def rounded(points) -> str:
    return ", ".join(f"{step}: {loss:.2f}" for step, loss in points)


def overfitting(bench: LoraBench) -> None:
    result, seconds = timed(overfit_demo, bench)
    run = result.run
    print(
        f"2. overfitting demo: {result.train_examples} training / {result.held_out_examples} "
        f"held-out examples, {run.steps} steps in {seconds:.1f} s (goal: about 60 s)"
    )
    print(f"   turning point: step {result.turning_step}; held-out {rounded(run.held_out)}")
    print(f"   training loss {run.losses[0]:.2f} -> {run.losses[-1]:.3f}")
    print(f"   {result.summary()}")


def transfer(bench: LoraBench) -> None:
    split = split_examples(load_builtin(DATA).examples)
    steps: list[str] = []  # progress arrives per step and arm, as the tab would show it
    result, seconds = timed(transfer_demo, bench, split, on_step=lambda arm, _: steps.append(arm))
    print(
        f"3. from scratch vs pretrained: {len(split.train)} examples, "
        f"{result.pretrained.run.steps} steps each, {seconds:.1f} s for both "
        f"(goal <= 120 s: {seconds <= 120}); {len(steps)} progress updates; fresh model "
        f"{result.scratch_shape}"
    )
    for arm in (result.pretrained, result.scratch):
        curve = arm.run.held_out
        print(
            f"   {arm.label:18s} trains {arm.trained_weights / 1e6:6.2f}M of "
            f"{arm.total_weights / 1e6:6.1f}M weights, {arm.run.seconds:5.1f} s; held-out loss "
            f"{curve[0][1]:.2f} -> {dict(curve)[arm.run.kept_step]:.2f} (kept step "
            f"{arm.run.kept_step})"
        )
    for prompt, expected, a, b in zip(
        result.prompts,
        result.expected,
        result.pretrained.answers,
        result.scratch.answers,
        strict=True,
    ):
        print(f"   Q: {prompt}\n      expected:     {expected}\n      pretrained:   {a}")
        print(f"      from scratch: {b}")


def main() -> None:
    lm = default_registry({}).load(SMOLLM2, kind="causal-lm")
    bench = LoraBench(lm)
    sections = {"eval": eval_overhead, "overfit": overfitting, "transfer": transfer}
    for name in sys.argv[1:] or list(sections):
        sections[name](bench)


if __name__ == "__main__":
    main()
