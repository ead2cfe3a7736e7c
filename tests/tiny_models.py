"""Tiny, seeded models built from configs, for tests that need a real model but not a good one.

They load through the same code paths as the defaults (a folder that ``from_pretrained`` reads),
in milliseconds instead of seconds.
"""

from __future__ import annotations

from pathlib import Path

WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "in", "park", "hello", "world"]
SPECIAL = ["<pad>", "<unk>", "<s>", "</s>"]


def tiny_tokenizer():
    """A word-level fast tokenizer over a dozen words, with the usual special tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(SPECIAL + WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<pad>",
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
    )


def save_tiny_causal_lm(folder: Path, seed: int = 0, initializer_range: float = 0.02) -> Path:
    """A 2-layer Llama with random (seeded) weights and the tiny tokenizer, saved to ``folder``.
    A larger ``initializer_range`` (e.g. 0.3) gives embeddings long enough for LoRA alone, which
    never changes them, to reach confident predictions: needed to see it overfit."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=3,
        tie_word_embeddings=True,
        initializer_range=initializer_range,
    )
    model = LlamaForCausalLM(config).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
