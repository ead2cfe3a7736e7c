"""Fine-tuning speed: 100 examples x 3 epochs of LoRA on the default model, ours vs a plain
transformers ``Trainer`` + peft script on the same data, in the same run.

Goal (issue #7): ours <= 60 s on a 2-core CPU.
- ours: ``LoraBench.train`` (LoRA on the top 12 of 30 layers so back-propagation stops there,
  the frozen 18 below run only in the first epoch, batches of similar length so little padding
  is computed); also shown without the frozen-layer reuse, to see what it buys;
- baseline: ``get_peft_model`` with the same rank and target modules on every layer, trained by
  ``transformers.Trainer`` with dynamic padding (``DataCollatorForSeq2Seq``), as a tutorial does.

Run: ``.venv/bin/python bench/finetune.py``
"""

from __future__ import annotations

import copy
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.builtin import SMOLLM2, default_registry
from models.finetune.data import load_builtin
from models.finetune.training import TARGET_MODULES, LoraBench, TrainSettings, encode_example

DATA = Path(__file__).resolve().parent.parent / "assets" / "finetune" / "pirate.jsonl"


def run_ours(bench: LoraBench, examples, settings: TrainSettings) -> tuple[float, int, float]:
    started = time.perf_counter()
    adapter = bench.train(examples, settings, max_seconds=3600)
    return time.perf_counter() - started, adapter.steps, adapter.losses[-1]


def run_baseline_trainer(lm, examples, settings: TrainSettings) -> tuple[float, int, float]:
    from peft import LoraConfig, get_peft_model
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

    model = copy.deepcopy(lm.model)
    config = LoraConfig(
        r=settings.rank,
        lora_alpha=2 * settings.rank,
        lora_dropout=0.0,
        target_modules=list(TARGET_MODULES),
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, config)
    rows = []
    for example in examples:
        ids, labels = encode_example(lm.tokenizer, example, settings.max_seq_len)
        rows.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels})
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out,
            per_device_train_batch_size=settings.batch_size,
            num_train_epochs=settings.epochs,
            learning_rate=settings.learning_rate,
            logging_steps=1000,
            save_strategy="no",
            report_to=[],
            use_cpu=True,
            dataloader_num_workers=0,
            seed=settings.seed,
            disable_tqdm=True,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=rows,
            data_collator=DataCollatorForSeq2Seq(lm.tokenizer, padding=True),
        )
        started = time.perf_counter()
        result = trainer.train()
        seconds = time.perf_counter() - started
    return seconds, result.global_step, result.training_loss


def main() -> None:
    registry = default_registry({})
    lm = registry.load(SMOLLM2, kind="causal-lm")
    examples = load_builtin(DATA).examples[:100]
    settings = TrainSettings(epochs=3, max_steps=500)
    bench = LoraBench(lm)
    ours_s, ours_steps, ours_loss = run_ours(bench, examples, settings)
    print(f"ours: {ours_s:.1f} s for {ours_steps} steps", flush=True)
    bench.reuse_frozen_layers = False
    full_s, _, full_loss = run_ours(bench, examples, settings)
    print(f"ours without frozen-layer reuse: {full_s:.1f} s", flush=True)
    base_s, base_steps, base_loss = run_baseline_trainer(lm, examples, settings)
    print(
        f"LoRA fine-tuning, {len(examples)} examples x {settings.epochs} epochs, batch "
        f"{settings.batch_size}, rank {settings.rank} (goal: ours <= 60 s on 2 CPU cores)"
    )
    print(f"  ours:     {ours_s:6.1f} s  {ours_steps} steps  final loss {ours_loss:.3f}")
    print(f"  ours, frozen layers re-run every epoch: {full_s:6.1f} s  final loss {full_loss:.3f}")
    print(
        f"  baseline: {base_s:6.1f} s  {base_steps} steps  mean loss {base_loss:.3f} "
        "(transformers Trainer + peft, every layer)"
    )
    print(f"  speed-up: {base_s / ours_s:.2f}x   goal met: {ours_s <= 60}")


if __name__ == "__main__":
    main()
