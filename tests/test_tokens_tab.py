"""The Tokens tab's handlers on the real default tokenizers: counts checked against each
tokenizer's own encode call, user text shown as text, and bad input as sentences."""

from __future__ import annotations

import csv

import pytest

from components.tokens.handlers import default_tokenizers, run_lens, tokenizer_choices
from components.tokens.presets import TOKENS_PRESETS, TOKENS_VALUES, apply_tokens
from models.builtin import MINILM, SMOLLM2, default_registry
from models.errors import InvalidInputError
from models.text.tokenizer_lens import MAX_LENS_TOKENIZERS


@pytest.fixture(scope="module")
def registry():
    return default_registry()


def test_defaults_compare_the_decoder_the_embedder_and_packaged_vocabularies(registry) -> None:
    keys = default_tokenizers(registry)
    assert keys[:2] == [SMOLLM2, MINILM] and "o200k_base" in keys
    assert set(keys) <= {key for _, key in tokenizer_choices(registry)}


def test_counts_match_each_tokenizers_own_encoding(registry) -> None:
    from transformers import AutoTokenizer

    text = "The cat sleeps on the warm windowsill. 🐈"
    html_view, rows, chart, path = run_lens(registry, text, [SMOLLM2, MINILM, "cl100k_base"])
    counts = {row[0]: row[1] for row in rows}
    for name in (SMOLLM2, MINILM):
        own = (  # the decoder's tokenizer comes with its weights; MiniLM's read afresh
            registry.load(name).tokenizer
            if name == SMOLLM2
            else AutoTokenizer.from_pretrained(registry.spec(name).resolve_source().location)
        )
        shown = counts[registry.spec(name).display_name]
        assert shown == len(own(text).input_ids), name  # special tokens too, as the model sees
    assert counts["GPT-4 (cl100k_base)"] > 0  # its ids are checked against tiktoken's in
    # tests/test_tokenizer_lens.py
    with open(path, encoding="utf-8", newline="") as handle:
        listed = list(csv.DictReader(handle))
    assert len(listed) == sum(row[1] for row in rows)
    assert [trace.name for trace in chart.data] == [row[0] for row in rows]
    assert "[UNK]" in html_view  # MiniLM has no piece for the emoji


def test_user_text_is_shown_as_text(registry) -> None:
    html_view, *_ = run_lens(registry, "<img src=x onerror=alert(1)>", [SMOLLM2])
    assert "<img" not in html_view and "&lt;<sub>" in html_view  # "<" is a token of its own


def test_every_demo_has_a_text() -> None:
    assert {p.slug for p in TOKENS_PRESETS} == set(TOKENS_VALUES)
    assert all(apply_tokens(p.slug) for p in TOKENS_PRESETS)


@pytest.mark.parametrize(
    ("text", "tokenizers", "message"),
    [
        ("", None, r"the text is empty"),
        ("hello", ["nope"], r"No tokenizer named 'nope'"),
        ("hello", ["o200k_base"] * 3 + ["cl100k_base"] * 5, r"Pick from 1 to"),
    ],
)
def test_bad_input_is_a_sentence(registry, text, tokenizers, message) -> None:
    if tokenizers and len(tokenizers) > MAX_LENS_TOKENIZERS:
        tokenizers = [f"t{i}" for i in range(MAX_LENS_TOKENIZERS + 1)]
    with pytest.raises(InvalidInputError, match=message):
        run_lens(registry, text, tokenizers)


def test_the_demo_notes_state_the_counts_the_tokenizers_give(registry) -> None:
    """The Chinese and code notes quote token counts: they must stay true."""
    keys = [SMOLLM2, MINILM, "o200k_base", "cl100k_base", "llama3"]
    html_view, chinese, *_ = run_lens(registry, TOKENS_VALUES["chinese"], keys)
    assert html_view.count("→[UNK]") == 8  # MiniLM's unknown characters
    counts = {row[0]: row[1] for row in chinese}
    assert counts["SmolLM2-135M-Instruct"] == 23
    assert counts["GPT-4o (o200k_base)"] == counts["Llama 3 (128k)"] == 11
    _, code, *_ = run_lens(registry, TOKENS_VALUES["code"], keys)
    counts = {row[0]: row[1] for row in code}
    assert counts["SmolLM2-135M-Instruct"] == 13 and counts["all-MiniLM-L6-v2"] == 17
    assert counts["GPT-4o (o200k_base)"] == counts["GPT-4 (cl100k_base)"] == 10
