"""Export a session's LoRA adapter in peft's own format (adapter_config.json +
adapter_model.safetensors), zipped, so ``PeftModel.from_pretrained(base, folder)`` loads it
anywhere. Only safetensors is written; nothing is pickled."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from models.finetune import LoraBench, TrainedAdapter
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
    (folder / "README.md").write_text(
        f"# LoRA adapter from the generative-model playground\n\n"
        f"Base model: `{adapter.base_model}`. Trained {adapter.steps} steps in "
        f"{adapter.seconds:.0f} s; final training loss {adapter.losses[-1]:.3f}.\n\n"
        "```python\nfrom peft import PeftModel\nfrom transformers import AutoModelForCausalLM\n\n"
        f'base = AutoModelForCausalLM.from_pretrained("{adapter.base_model}")\n'
        'model = PeftModel.from_pretrained(base, "path/to/this/folder")\n```\n'
    )
    return folder


def zip_adapter(bench: LoraBench, adapter: TrainedAdapter) -> Path:
    """A zip of the saved adapter in a fresh temporary folder (Gradio serves it for download)."""
    work = new_folder("adapter")  # pruned by age and count (models/scratch.py)
    folder = save_adapter(bench, adapter, work / "lora-adapter")
    archive = work / "lora-adapter.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(folder.iterdir()):
            handle.write(path, f"lora-adapter/{path.name}")
    return archive
