"""Self-attention weights of a registry model for one text: extraction and readable token labels.

``extract_attention`` tokenizes a text (cut to ``TOKEN_CAP`` tokens), runs the model once and
returns every layer's and head's attention matrix as one float32 array ``[layers, heads, seq,
seq]``: row ``i`` is how query token ``i`` spreads its attention over the key tokens, so each row
sums to 1 and a decoder's upper triangle is zero.

The registry's models use PyTorch's fused (sdpa) attention, which never materialises the weights.
Flipping the shared model to eager attention would change it under other users' feet, so each
model gets its own eager twin, built once per process: a deep copy of the module tree that
*shares* the original parameter and buffer tensors (no extra weight memory) but has its own
config set to eager attention. transformers collects ``output_attentions`` through a context
variable, so concurrent calls on the twin do not mix their outputs.

Statistics over the weights (entropy, rollout, ...) live in models/attention/stats.py; plots and
UI in components/attention*.py.
"""

from __future__ import annotations

import copy
import threading
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from models.errors import InvalidInputError
from models.registry import Registry
from models.settings import Settings, setting
from models.validation import whole_number

TOKEN_CAP = 128  # tokens per text: 30 layers x 9 heads x 128^2 floats is 18 MB, drawn in < 1 s
# A layer, head or token index as it arrives, before a model's own sizes bound it (a slider's
# value when another model was just picked; ``AttentionResult.check_layer_head``).
MAX_INDEX = 10_000
CHAR_CAP = 20_000  # characters read before tokenizing; far more than TOKEN_CAP tokens ever need
ATTENTION_KINDS = ("causal-lm", "sentence-embedder")

Architecture = Literal["decoder", "encoder"]


def any_index(noun: str, value: Any) -> int:
    """A whole number; whether the model has that layer or head is checked once it has run."""
    return whole_number(noun, value, -MAX_INDEX, MAX_INDEX)


@dataclass(frozen=True)
class HeadChoice(Settings):
    """Which head to look at: each setting declared once, read by the Attention tab's sliders,
    its views and the API (``/attention``, ``/head_arithmetic``). Layers and heads count from 0;
    a model's own sizes bound them once it has run (``AttentionResult.check_layer_head``)."""

    # The sliders' range is declared; the check is the model's own range (check_layer_head), so
    # a wrong index is refused with the sizes of the model that ran, not with MAX_INDEX.
    layer: int = setting(0, low=0, high=MAX_INDEX, step=1, label="Layer", noun="Layer",
                         checker=lambda value: any_index("Layer", value))  # fmt: skip
    head: int = setting(0, low=0, high=MAX_INDEX, step=1, label="Head", noun="Head",
                        checker=lambda value: any_index("Head", value))  # fmt: skip


@dataclass(frozen=True)
class AttentionResult:
    """Every attention matrix of one model for one text, plus what a reader needs to label it."""

    model_name: str
    architecture: Architecture
    token_ids: tuple[int, ...]
    labels: tuple[str, ...]  # readable token texts, may repeat (see unique_labels for axes)
    attentions: np.ndarray  # float32 [layers, heads, seq, seq], rows sum to 1
    kept_text: str  # the text the tokens spell, after the cut
    total_tokens: int  # tokens before the cut

    @property
    def layers(self) -> int:
        return self.attentions.shape[0]

    @property
    def heads(self) -> int:
        return self.attentions.shape[1]

    @property
    def seq_len(self) -> int:
        return self.attentions.shape[2]

    @property
    def truncated(self) -> bool:
        return self.total_tokens > self.seq_len

    def check_layer_head(self, layer: Any, head: Any = 0) -> tuple[int, int]:
        """(layer, head) as ints, or InvalidInputError naming the valid range (API input)."""
        return (
            _index(layer, self.layers, "layer"),
            _index(head, self.heads, "head"),
        )

    def checked_head(self, choice: HeadChoice) -> tuple[int, int]:
        """The (layer, head) of ``choice`` when this model has them, or InvalidInputError naming
        this model's range."""
        return self.check_layer_head(choice.layer, choice.head)

    def matrix(self, layer: Any, head: Any) -> np.ndarray:
        """One head's [seq, seq] attention matrix (a view, not a copy)."""
        layer, head = self.check_layer_head(layer, head)
        return self.attentions[layer, head]


def _index(value: Any, size: int, what: str) -> int:
    """A layer or head number in [0, size) (layers and heads count from 0)."""
    return whole_number(what.capitalize(), value, 0, size - 1)


# -- models that can show attention -------------------------------------------------------------
def attention_model_choices(registry: Registry) -> list[tuple[str, str]]:
    """(label, name) for every registry model whose attention this module can extract."""
    choices = []
    for kind in ATTENTION_KINDS:
        suffix = "decoder" if kind == "causal-lm" else "encoder"
        choices += [(f"{label} ({suffix})", name) for label, name in registry.choices(kind)]
    return choices


def _backbone(registry: Registry, model_name: Any) -> tuple[Any, Any, Architecture]:
    """(transformer without its output head, tokenizer, architecture) of a registry model."""
    if not isinstance(model_name, str) or not model_name.strip():
        raise InvalidInputError("Pick a model: its name is missing.")
    spec = registry.spec(model_name.strip())  # unknown names raise with the list of known ones
    if spec.kind not in ATTENTION_KINDS:
        raise InvalidInputError(
            f"{spec.display_name} is a {spec.kind} model and cannot show self-attention here; "
            "pick a text decoder or a sentence encoder."
        )
    value = registry.load(spec.name)
    if spec.kind == "causal-lm":
        # base_model skips the LM head: its logits over 49k tokens would cost more than attention
        return value.model.base_model, value.tokenizer, "decoder"
    first = value[0] if len(value) else None
    auto_model = getattr(first, "auto_model", None)
    if auto_model is None:
        raise InvalidInputError(
            f"{spec.display_name} does not start with a transformers encoder, so it cannot "
            "return attention weights; pick another model."
        )
    return auto_model, value.tokenizer, "encoder"


_eager_twins: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_eager_lock = threading.Lock()


def eager_twin(model: Any) -> Any:
    """The same network with eager (weight-returning) attention, sharing every tensor with
    ``model``; built once per model object, under a lock, and never touching ``model`` itself."""
    twin = _eager_twins.get(model)
    if twin is not None:
        return twin
    with _eager_lock:
        twin = _eager_twins.get(model)
        if twin is None:
            shared = {id(t): t for t in (*model.parameters(), *model.buffers())}
            twin = copy.deepcopy(model, memo=shared)
            try:
                twin.set_attn_implementation("eager")
            except (ValueError, AttributeError) as error:
                raise InvalidInputError(
                    f"This model cannot run with eager attention, so it cannot return attention "
                    f"weights ({error}); pick another model."
                ) from error
            twin.eval()
            _eager_twins[model] = twin
    return twin


# -- token labels -------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet, reversed: 'Ġ' -> 0x20, 'Ċ' -> 0x0A, ..."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


VISIBLE_WHITESPACE = {"\n": "↵", "\r": "⏎", "\t": "⇥"}


def clean_token(token: str, byte_level: bool) -> str:
    """A tokenizer's piece as a person would read it: byte-level BPE markers become the spaces
    and characters they encode, newlines and tabs get visible symbols, and bytes that are only
    part of a character (an emoji split over tokens) are shown as hex."""
    text = token
    decoder = _byte_decoder()
    if byte_level and token and all(ch in decoder for ch in token):
        raw = bytes(decoder[ch] for ch in token)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = "".join(chr(b) if b < 0x80 else f"\\x{b:02x}" for b in raw)
    elif token.startswith("▁"):  # SentencePiece's word-start marker
        text = " " + token[1:]
    for char, symbol in VISIBLE_WHITESPACE.items():
        text = text.replace(char, symbol)
    if text and not text.strip(" "):
        text = "␣" * len(text)  # a token that is only spaces would be invisible on an axis
    return text


def token_labels(tokenizer: Any, token_ids: list[int] | tuple[int, ...]) -> list[str]:
    """Readable labels for a list of token ids (see clean_token)."""
    pieces = tokenizer.convert_ids_to_tokens(list(token_ids))
    byte_level = _is_byte_level(tokenizer, pieces)
    return [clean_token(p, byte_level) for p in pieces]


def _is_byte_level(tokenizer: Any, pieces: list[str]) -> bool:
    """Byte-level BPE (GPT-2, Llama 3, SmolLM) spells bytes as letters ('Ġ' is a space);
    WordPiece and SentencePiece pieces are already text and must not be decoded as bytes."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    decoder = getattr(backend, "decoder", None)
    if decoder is not None and "ByteLevel" in repr(decoder):
        return True
    return any("Ġ" in p or "Ċ" in p for p in pieces)


def unique_labels(labels: list[str] | tuple[str, ...]) -> list[str]:
    """Axis labels: tokens that look alike ('the', ' the') get their position appended
    ('the·0', ' the·7'), so a reader can tell the rows apart."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label.strip()] = counts.get(label.strip(), 0) + 1
    return [
        f"{label}·{i}" if counts[label.strip()] > 1 else label for i, label in enumerate(labels)
    ]


# -- extraction ---------------------------------------------------------------------------------
def check_text(text: Any) -> str:
    """The text, if it is a non-blank string; otherwise a message saying what to do."""
    if not isinstance(text, str):
        raise InvalidInputError(f"The text must be a string, not {type(text).__name__}.")
    if not text.strip():
        raise InvalidInputError("Type some text first: the text is empty.")
    return text


def tokenize_capped(tokenizer: Any, text: Any, cap: int = TOKEN_CAP) -> tuple[list[int], int]:
    """(token ids kept, token count before the cut). Special tokens the model expects ([CLS],
    [SEP]) are kept; the text is cut in the middle so that the closing one survives."""
    text = check_text(text)
    ids = tokenizer(text[:CHAR_CAP], add_special_tokens=True)["input_ids"]
    if not ids:
        raise InvalidInputError("This text gives no tokens for this model; type some words.")
    total = len(ids)
    if total <= cap:
        return list(ids), total
    special = set(getattr(tokenizer, "all_special_ids", []))
    tail = [ids[-1]] if ids[-1] in special else []  # e.g. BERT's [SEP]
    return list(ids[: cap - len(tail)]) + tail, total


def extract_attention(
    registry: Registry, model_name: Any, text: Any, *, cap: int = TOKEN_CAP
) -> AttentionResult:
    """Run ``model_name`` once on ``text`` and return all of its attention weights."""
    import torch

    backbone, tokenizer, architecture = _backbone(registry, model_name)
    ids, total = tokenize_capped(tokenizer, text, cap)
    twin = eager_twin(backbone)
    device = next(twin.parameters()).device
    input_ids = torch.tensor([ids], device=device)
    with torch.inference_mode():
        output = twin(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            output_attentions=True,
            use_cache=False,
        )
    layers = [a for a in (output.attentions or ()) if a is not None]
    if not layers:
        raise InvalidInputError(
            f"{model_name} did not return attention weights, so there is nothing to show; "
            "pick another model."
        )
    attentions = torch.stack([a[0] for a in layers]).float().cpu().numpy()
    return AttentionResult(
        model_name=model_name,
        architecture=architecture,
        token_ids=tuple(ids),
        labels=tuple(token_labels(tokenizer, ids)),
        attentions=np.ascontiguousarray(attentions, dtype=np.float32),
        kept_text=tokenizer.decode(ids, skip_special_tokens=True),
        total_tokens=total,
    )
