"""Attention extraction: the numbers are transformers' own, rows are distributions, the decoder's
mask holds, token labels are readable, and bad input gets a clear message."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from models.attention.extraction import (
    TOKEN_CAP,
    clean_token,
    eager_twin,
    extract_attention,
    token_labels,
    unique_labels,
)
from models.builtin import MINILM, SMOLLM2, SMOLLM2_GGUF, external_spec
from models.errors import InvalidInputError, UnknownModelError
from models.registry import Registry
from models.text.causal_lm import gguf_cache_folder
from tests.fakes import CountingLoader, fake_spec
from tests.tiny_models import save_tiny_causal_lm

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def tiny_registry(tmp_path_factory) -> Registry:
    folder = save_tiny_causal_lm(tmp_path_factory.mktemp("tiny-llama"))
    registry = Registry()
    registry.register(external_spec("causal-lm", str(folder)))
    return registry


def reference_attentions(model_class, folder: str | Path, ids: tuple[int, ...]) -> np.ndarray:
    """transformers' own output_attentions, from a separately loaded eager model."""
    reference = model_class.from_pretrained(folder, attn_implementation="eager").eval()
    with torch.no_grad():
        output = reference(input_ids=torch.tensor([ids]), output_attentions=True)
    return torch.stack([a[0] for a in output.attentions]).numpy()


def assert_distributions(attentions: np.ndarray) -> None:
    assert attentions.dtype == np.float32
    assert (attentions >= 0).all()
    np.testing.assert_allclose(attentions.sum(axis=-1), 1.0, atol=1e-5)


def test_tiny_decoder_matches_transformers_and_respects_the_causal_mask(tiny_registry) -> None:
    from transformers import LlamaForCausalLM

    (name,) = tiny_registry.names()
    result = extract_attention(tiny_registry, name, "the cat sat on the mat")
    assert result.attentions.shape == (2, 4, 6, 6)
    expected = reference_attentions(LlamaForCausalLM, name, result.token_ids)
    np.testing.assert_allclose(result.attentions, expected, atol=TOLERANCE, rtol=0)
    assert_distributions(result.attentions)
    upper = np.triu(np.ones((6, 6), dtype=bool), k=1)
    assert (result.attentions[..., upper] == 0).all()
    assert result.architecture == "decoder"


def test_the_shared_model_is_not_switched_and_the_twin_shares_its_weights(tiny_registry) -> None:
    (name,) = tiny_registry.names()
    shared = tiny_registry.load(name).model
    extract_attention(tiny_registry, name, "hello world")
    twin = eager_twin(shared.base_model)
    assert shared.config._attn_implementation == "sdpa"
    assert twin.config._attn_implementation == "eager"
    assert twin is eager_twin(shared.base_model)  # built once
    shared_ptrs = {p.data_ptr() for p in shared.base_model.parameters()}
    assert {p.data_ptr() for p in twin.parameters()} == shared_ptrs  # no copied weights
    ids = torch.tensor([[4, 5, 6, 7]])
    with torch.no_grad():
        a = shared.base_model(input_ids=ids).last_hidden_state
        b = twin(input_ids=ids).last_hidden_state
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)  # same network, other kernel


def test_concurrent_extractions_do_not_mix_their_outputs(tiny_registry) -> None:
    (name,) = tiny_registry.names()
    texts = ["the cat sat on the mat", "a dog ran in the park", "hello world", "the dog sat"]
    serial = {t: extract_attention(tiny_registry, name, t).attentions for t in texts}
    found: dict[str, np.ndarray] = {}

    def run(text: str) -> None:
        for _ in range(5):
            found[text] = extract_attention(tiny_registry, name, text).attentions

    threads = [threading.Thread(target=run, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for text in texts:
        np.testing.assert_array_equal(found[text], serial[text])


def test_smollm2_matches_transformers(real_registry) -> None:
    from transformers import LlamaForCausalLM

    result = extract_attention(
        real_registry, SMOLLM2, "The cat sat on the mat because it was warm."
    )
    wheel = Path(real_registry.status(SMOLLM2).location)
    expected = reference_attentions(
        LlamaForCausalLM, gguf_cache_folder(wheel / SMOLLM2_GGUF), result.token_ids
    )
    assert result.attentions.shape == (30, 9, len(result.token_ids), len(result.token_ids))
    np.testing.assert_allclose(result.attentions, expected, atol=TOLERANCE, rtol=0)
    assert_distributions(result.attentions)
    assert np.triu(result.attentions, k=1).max() == 0.0


def test_minilm_matches_transformers_and_sees_both_ways(real_registry) -> None:
    from transformers import BertModel

    result = extract_attention(real_registry, MINILM, "The animal was too tired.")
    folder = real_registry.load(MINILM)[0].auto_model.name_or_path
    expected = reference_attentions(BertModel, folder, result.token_ids)
    np.testing.assert_allclose(result.attentions, expected, atol=TOLERANCE, rtol=0)
    assert_distributions(result.attentions)
    assert np.triu(result.attentions, k=1).max() > 0.1  # an encoder looks ahead too
    assert result.labels == ("[CLS]", "the", "animal", "was", "too", "tired", ".", "[SEP]")
    assert result.architecture == "encoder"


# -- token labels -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("piece", "byte_level", "label"),
    [
        ("Ġworld", True, " world"),
        ("Ċ", True, "↵"),
        ("ĉ", True, "⇥"),
        ("ĠĠ", True, "␣␣"),
        ("Hello", True, "Hello"),
        ("ĠcafÃ©", True, " café"),
        ("ĠðŁ", True, " \\xf0\\x9f"),  # the first half of an emoji's bytes
        ("##bel", False, "##bel"),
        ("café", False, "café"),  # WordPiece text is already text
        ("▁world", False, " world"),  # SentencePiece word start
    ],
)
def test_clean_token(piece: str, byte_level: bool, label: str) -> None:
    assert clean_token(piece, byte_level) == label


def test_smollm2_labels_are_readable(real_registry) -> None:
    tokenizer = real_registry.load(SMOLLM2).tokenizer
    ids = tokenizer("Hello world\n\tthe cat 🙂")["input_ids"]
    labels = token_labels(tokenizer, ids)
    assert labels[:5] == ["Hello", " world", "↵", "⇥", "the"]
    assert " 🙂" in labels or any("\\x" in label for label in labels)
    assert not any("Ġ" in label or "Ċ" in label for label in labels)


def test_repeated_tokens_stay_distinct_on_axes() -> None:
    assert unique_labels(["the", " cat", "the", "."]) == ["the·0", " cat", "the·2", "."]
    assert unique_labels(["the", " the", "↵"]) == ["the·0", " the·1", "↵"]  # alike on an axis
    assert len(set(unique_labels(["a"] * 5))) == 5


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   \n\t", None, 42, ["the cat"]])
def test_empty_or_non_text_is_refused(tiny_registry, text) -> None:
    (name,) = tiny_registry.names()
    with pytest.raises(InvalidInputError, match="text"):
        extract_attention(tiny_registry, name, text)


def test_long_text_is_cut_to_the_cap_and_says_what_was_kept(real_registry) -> None:
    text = " ".join(f"word{i}" for i in range(400))
    result = extract_attention(real_registry, SMOLLM2, text)
    assert result.seq_len == TOKEN_CAP and result.truncated and result.total_tokens > TOKEN_CAP
    assert text.startswith(result.kept_text) and len(result.kept_text) < len(text)
    encoder = extract_attention(real_registry, MINILM, text)
    assert encoder.seq_len == TOKEN_CAP and encoder.labels[-1] == "[SEP]"  # closing token kept


@pytest.mark.parametrize("bad", [-1, 2, 1.5, float("nan"), float("inf"), "x", None, 10**30])
def test_layer_and_head_out_of_range_are_refused(tiny_registry, bad) -> None:
    (name,) = tiny_registry.names()
    result = extract_attention(tiny_registry, name, "the cat")
    with pytest.raises(InvalidInputError, match="Layer must be a whole number from 0 to 1"):
        result.matrix(bad, 0)
    with pytest.raises(InvalidInputError, match="Head must be a whole number from 0 to 3"):
        result.matrix(0, bad if bad != 2 else 4)
    assert result.matrix("1", 3.0).shape == (2, 2)  # whole numbers in any JSON form are fine


def test_models_that_cannot_return_attention_say_so() -> None:
    registry = Registry()
    registry.register(fake_spec("painter", kind="text-to-image"))
    registry.register(fake_spec("odd-embedder", "sentence-embedder", CountingLoader([object()])))
    with pytest.raises(InvalidInputError, match="cannot show self-attention"):
        extract_attention(registry, "painter", "a cat")
    with pytest.raises(InvalidInputError, match="cannot return attention"):
        extract_attention(registry, "odd-embedder", "a cat")
    with pytest.raises(UnknownModelError, match="Known models"):
        extract_attention(registry, "no-such-model", "a cat")
    with pytest.raises(InvalidInputError, match="model"):
        extract_attention(registry, "", "a cat")
