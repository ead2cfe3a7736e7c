"""Tokenizer lens: ids checked against independent references (OpenAI's published files and
examples, tiktoken's own engine, Meta's Llama 3 test, the models' own tokenizers); readable
pieces, partial characters, the offline notice and every refusal."""

from __future__ import annotations

import base64
import hashlib
import struct
from pathlib import Path

import pytest

from models.builtin import MINILM, SMOLLM2
from models.errors import InvalidInputError
from models.text import tokenizer_lens as lens

# From OpenAI's cookbook "How to count tokens with tiktoken" and tiktoken's test_simple_public.
PUBLISHED = {
    "cl100k_base": {
        "hello world": [15339, 1917],
        "tiktoken is great!": [83, 1609, 5963, 374, 2294, 0],
        "antidisestablishmentarianism": [519, 85342, 34500, 479, 8997, 2191],
        "2 + 2 = 4": [17, 489, 220, 17, 284, 220, 19],
        "お誕生日おめでとう": [33334, 45918, 243, 21990, 9080, 33334, 62004, 16556, 78699],
    },
    "o200k_base": {
        "antidisestablishmentarianism": [493, 129901, 376, 160388, 21203, 2367],
        "2 + 2 = 4": [17, 659, 220, 17, 314, 220, 19],
        "お誕生日おめでとう": [8930, 9697, 243, 128225, 8930, 17693, 4344, 48669],
    },
    # Meta's llama/test_tokenizer.py, without the <|begin_of_text|> / <|end_of_text|> it adds
    "llama3": {"This is a test sentence.": [2028, 374, 264, 1296, 11914, 13]},
}
QUICKTOK_FILES = {"cl100k_base": "cl100k.vocab", "o200k_base": "o200k.vocab"}


def quicktok_ranks(key: str) -> dict[bytes, int]:
    """quicktok's packaged table, parsed by hand: count, then (length, bytes, rank) records."""
    import quicktok

    data = (Path(quicktok.__file__).parent / "data" / key).read_bytes()
    (count,), offset, ranks = struct.unpack_from("<I", data), 4, {}
    for _ in range(count):
        (size,) = struct.unpack_from("<H", data, offset)
        token = data[offset + 2 : offset + 2 + size]
        (ranks[token],) = struct.unpack_from("<I", data, offset + 2 + size)
        offset += 6 + size
    assert offset == len(data)
    return ranks


def tiktoken_engine(key: str, monkeypatch):
    """tiktoken's own Encoding for ``key``, built by tiktoken's constructor with quicktok's table
    in place of the download, after checking the table's bytes against the sha256 tiktoken pins
    for OpenAI's file."""
    import tiktoken
    import tiktoken_ext.openai_public as public

    ranks = quicktok_ranks(QUICKTOK_FILES[key])

    def load(url: str, expected_hash: str):
        text = b"".join(
            base64.b64encode(t) + b" " + str(r).encode() + b"\n"
            for t, r in sorted(ranks.items(), key=lambda item: item[1])
        )
        assert hashlib.sha256(text).hexdigest() == expected_hash, f"{key} differs from {url}"
        return ranks

    monkeypatch.setattr(public, "load_tiktoken_bpe", load)
    return tiktoken.Encoding(**getattr(public, key)())


def ids(view: lens.TokenizerView) -> list[int]:
    return [t.token_id for t in view.tokens]


@pytest.mark.parametrize("key", ["cl100k_base", "o200k_base", "llama3"])
def test_published_examples(real_registry, key):
    for text, expected in PUBLISHED[key].items():
        (view,) = lens.tokenizer_lens(real_registry, text, [key]).views
        assert view.available and ids(view) == expected and view.count == len(expected)


@pytest.mark.parametrize("key", ["cl100k_base", "o200k_base"])
def test_openai_tables_and_tiktoken_engine_agree(real_registry, key, monkeypatch):
    engine = tiktoken_engine(key, monkeypatch)
    texts = [*lens.SAMPLES.values(), "  spaces\n\ttabs  ", "<|endoftext|> typed", "naïve café 🦙"]
    for text in texts:
        (view,) = lens.tokenizer_lens(real_registry, text, [key]).views
        assert ids(view) == engine.encode_ordinary(text), text


def test_byte_pieces_rejoin_and_partial_characters_are_marked(real_registry):
    result = lens.tokenizer_lens(real_registry, lens.SAMPLES["emoji"] + " 猫", ["decoder"])
    (view,) = result.views
    tokenizer = real_registry.load(SMOLLM2).tokenizer
    assert ids(view) == tokenizer(result.text)["input_ids"]
    pieces = [tokenizer.decode([t.token_id]).encode() for t in view.tokens]
    chunks = [tokenizer.convert_tokens_to_string([t.raw]) for t in view.tokens]
    assert all(isinstance(c, str) for c in chunks)
    raw_bytes = tokenizer.convert_tokens_to_string([t.raw for t in view.tokens])
    assert raw_bytes == result.text
    for token, piece in zip(view.tokens, pieces, strict=True):
        whole = b"\xef\xbf\xbd" not in piece  # decode() writes U+FFFD for a split character
        assert token.partial == (not whole), token
        if token.partial:
            assert token.character and "⟨" in token.label
    cat = [t for t in view.tokens if t.character == "猫"]
    assert len(cat) >= 2 and all(t.partial for t in cat)
    assert sum(t.n_bytes for t in view.tokens) == len(result.text.encode())
    assert any(t.label.startswith("␣") for t in view.tokens)  # spaces made visible
    assert any("⟨U+FE0F⟩" in t.label for t in view.tokens)  # an invisible selector named


def test_wordpiece_view(real_registry):
    text = "Hello Naïve 🦙 world"
    (view,) = lens.tokenizer_lens(real_registry, text, ["embedder"]).views
    reference = real_registry.load(MINILM).tokenizer
    assert ids(view) == reference(text)["input_ids"]
    assert view.family == "WordPiece" and view.tokens[0].special and view.tokens[-1].special
    assert [t.raw for t in view.tokens[1:3]] == ["hello", "naive"]  # lower-cased, unaccented
    assert [t.text for t in view.tokens[1:3]] == ["Hello", "Naïve"]  # what they cover
    assert any(t.unknown and t.text == "🦙" for t in view.tokens)
    assert view.text_tokens == view.count - 2


def test_default_lens_and_characters_per_token(real_registry):
    result = lens.tokenizer_lens(real_registry, lens.SAMPLES["English"])
    keys = [v.key for v in result.views]
    assert keys == [SMOLLM2, MINILM, "o200k_base", "cl100k_base", "llama3"]
    for view in result.views:
        assert view.chars_per_token(result.text) == pytest.approx(
            len(result.text) / view.text_tokens
        )
    assert "Llama 3" in result.views[-1].licence


def test_without_quicktok_the_lens_says_so(real_registry, monkeypatch):
    monkeypatch.setattr(lens, "quicktok_available", lambda: False)
    views = lens.tokenizer_lens(real_registry, "hello", ["decoder", "o200k_base"]).views
    assert views[0].available and not views[1].available and not views[1].tokens
    assert "not available offline" in views[1].notice and "quicktok-v1" in views[1].notice


def test_long_text_is_cut_and_said(real_registry):
    result = lens.tokenizer_lens(real_registry, "x " * 2500, ["cl100k_base"])
    assert len(result.text) == lens.LENS_CHAR_CAP and "first 4,000" in result.notice
    (view,) = result.views
    assert len(view.tokens) == lens.LENS_TOKEN_CAP and view.count > lens.LENS_TOKEN_CAP
    assert "first 1,024" in view.notice


@pytest.mark.parametrize(
    ("text", "tokenizers", "message"),
    [
        ("", None, "empty"),
        ("   ", None, "empty"),
        (None, None, "must be a string"),
        ("hi", [], "from 1 to 6"),
        ("hi", "decoder", "from 1 to 6"),
        ("hi", ["decoder"] * 7, "from 1 to 6"),
        ("hi", ["gpt-5"], "No tokenizer named 'gpt-5'"),
        ("hi", [""], "empty"),
    ],
)
def test_bad_input(real_registry, text, tokenizers, message):
    with pytest.raises(InvalidInputError, match=message):
        lens.tokenizer_lens(real_registry, text, tokenizers)


def test_image_model_is_refused(real_registry):
    image = real_registry.names("text-to-image")[0]
    with pytest.raises(InvalidInputError, match="text-to-image model"):
        lens.tokenizer_lens(real_registry, "hi", [image])
