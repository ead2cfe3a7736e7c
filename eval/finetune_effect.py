"""Does fine-tuning work? Train on the bundled pirate set, then measure on its held-out examples:
held-out loss before vs after (goal: at least 30% lower) and the share of greedy answers that
carry the style's markers, base vs fine-tuned, on the same prompts.

Run: ``.venv/bin/python eval/finetune_effect.py``
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.builtin import SMOLLM2, default_registry
from models.finetune.compare import CompareSettings, compare
from models.finetune.data import load_builtin, split_examples
from models.finetune.training import LoraBench, TrainSettings

DATA = Path(__file__).resolve().parent.parent / "assets" / "finetune" / "pirate.jsonl"
MARKERS = re.compile(r"\b(arr+|matey|ahoy|aye|ye|shiver me timbers|yo ho)\b", re.IGNORECASE)


def main() -> None:
    lm = default_registry({}).load(SMOLLM2, kind="causal-lm")
    split = split_examples(load_builtin(DATA).examples)
    bench = LoraBench(lm)
    settings = TrainSettings()
    before = bench.held_out_loss(split.held_out, None, settings.max_seq_len)
    started = time.perf_counter()
    adapter = bench.train(split.train, settings, max_seconds=3600)
    seconds = time.perf_counter() - started
    after = bench.held_out_loss(split.held_out, adapter, settings.max_seq_len)
    rows = compare(bench, adapter, [e.prompt for e in split.held_out], CompareSettings(40))
    styled_before = sum(bool(MARKERS.search(r.base)) for r in rows) / len(rows)
    styled_after = sum(bool(MARKERS.search(r.tuned)) for r in rows) / len(rows)
    print(
        f"pirate set: {len(split.train)} train / {len(split.held_out)} held out; "
        f"{adapter.steps} steps in {seconds:.0f} s"
    )
    print(
        f"  held-out loss: base {before:.3f} -> fine-tuned {after:.3f} "
        f"({1 - after / before:.0%} lower; goal >= 30%)"
    )
    print(
        f"  answers with pirate markers: base {styled_before:.0%} -> fine-tuned {styled_after:.0%}"
    )
    for row in rows[:5]:
        print(f"  Q: {row.prompt}\n     base:  {row.base}\n     tuned: {row.tuned}")


if __name__ == "__main__":
    main()
