"""Export a session's LoRA adapter in peft's own format (adapter_config.json +
adapter_model.safetensors), zipped, so ``PeftModel.from_pretrained(base, folder)`` loads it
anywhere. Only safetensors is written; nothing is pickled. ``training.json`` beside them keeps the
run's history (losses, held-out curve, kept step), which models/finetune/adapter_import.py restores
when the zip is brought back."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from models.finetune.training import LoraBench, TrainedAdapter
from models.scratch import new_folder


def save_adapter(bench: LoraBench, adapter: TrainedAdapter, folder: Path) -> Path:
    """Write the adapter with peft's save_pretrained, plus a short README naming the base."""
    folder.mkdir(parents=True, exist_ok=True)
    with bench.adapted(adapter) as peft_model:
        peft_model.save_pretrained(str(folder))
    config_path = folder / "adapter_config.json"
    config = json.loads(config_path.read_text())
    config["base_model_name_or_path"] = adapter.base_model
    config_path.write_text(json.dumps(config, indent=2))
    (folder / "training.json").write_text(json.dumps(history(adapter), indent=1))
    final = f"; final training loss {adapter.losses[-1]:.3f}" if adapter.losses else ""
    best = adapter.held_out and adapter.kept_step != adapter.steps
    kept = f" Weights of step {adapter.kept_step}, the best on held-out data." if best else ""
    (folder / "README.md").write_text(
        f"# LoRA adapter from the generative-model playground\n\n"
        f"Base model: `{adapter.base_model}`. Trained {adapter.steps} steps in "
        f"{adapter.seconds:.0f} s{final}.{kept}\n\n"
        "```python\nfrom peft import PeftModel\nfrom transformers import AutoModelForCausalLM\n\n"
        f'base = AutoModelForCausalLM.from_pretrained("{adapter.base_model}")\n'
        'model = PeftModel.from_pretrained(base, "path/to/this/folder")\n```\n'
    )
    return folder


def history(adapter: TrainedAdapter) -> dict:
    """What the run did, as plain JSON (no weights)."""
    return {
        "base_model": adapter.base_model,
        "steps": adapter.steps,
        "seconds": round(adapter.seconds, 3),
        "stopped": adapter.stopped,
        "kept_step": adapter.kept_step,
        "losses": adapter.losses,
        "held_out": [[step, loss] for step, loss in adapter.held_out],
        "held_out_examples": adapter.held_out_examples,
    }


def zip_adapter(bench: LoraBench, adapter: TrainedAdapter) -> Path:
    """A zip of the saved adapter in a fresh temporary folder (Gradio serves it for download)."""
    work = new_folder("adapter")  # pruned by age and count (models/scratch.py)
    folder = save_adapter(bench, adapter, work / "lora-adapter")
    archive = work / "lora-adapter.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(folder.iterdir()):
            handle.write(path, f"lora-adapter/{path.name}")
    return archive
