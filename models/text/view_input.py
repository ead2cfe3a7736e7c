"""Input checks shared by the views that look inside a decoder (logit lens, branching, why this
token, one head's arithmetic): the model must be a registry decoder, the text non-empty and cut to
the view's token cap (and said), an index inside its range.

Each failure is an InvalidInputError with one sentence saying what to do. Not here: anything a
view computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from models.errors import InvalidInputError
from models.registry import Registry
from models.text.causal_lm import CausalLM
from models.validation import shown_value

CHAR_CAP = 20_000  # characters read before tokenizing; far more than any view's token cap


def load_decoder(registry: Registry, model_name: Any, view: str) -> tuple[str, CausalLM]:
    """(registry name, model) of the decoder ``model_name`` (the default decoder when empty), or
    a clear refusal for an encoder or an image model: ``view`` names what needs the decoder."""
    if model_name is None or (isinstance(model_name, str) and not model_name.strip()):
        model_name = registry.default("causal-lm")
    if not isinstance(model_name, str):
        raise InvalidInputError(f"The model must be a name, not {type(model_name).__name__}.")
    spec = registry.spec(model_name.strip())  # an unknown name lists the known ones
    if spec.kind != "causal-lm":
        raise InvalidInputError(
            f"{spec.display_name} is a {spec.kind} model, and {view} needs a decoder that "
            "predicts the next token; pick a causal language model."
        )
    return spec.name, registry.load(spec.name, kind="causal-lm")


@dataclass(frozen=True)
class ViewText:
    ids: list[int]
    total: int  # tokens before the cut
    notice: str = ""

    @property
    def truncated(self) -> bool:
        return self.total > len(self.ids)


def tokenize_for_view(
    lm: CausalLM, text: Any, cap: int, view: str, keep: Literal["start", "end"] = "start"
) -> ViewText:
    """Token ids of ``text`` as the decoder reads it (its own special tokens included), cut to
    ``cap``: the lens keeps the start (it reads left to right); a view that explains the token
    after the text keeps the end, next to that token."""
    if not isinstance(text, str):
        raise InvalidInputError(f"The text must be a string, not {type(text).__name__}.")
    if not text.strip():
        raise InvalidInputError(f"Type some text first: the text for {view} is empty.")
    ids = list(lm.tokenizer(text[:CHAR_CAP])["input_ids"])
    if not ids:
        raise InvalidInputError("This text gives no tokens for this model; type some words.")
    return cut_ids(ids, cap, view, keep)


def cut_ids(
    ids: list[int], cap: int, view: str, keep: Literal["start", "end"] = "start"
) -> ViewText:
    if len(ids) <= cap:
        return ViewText(list(ids), len(ids))
    part = "first" if keep == "start" else "last"
    return ViewText(
        list(ids[:cap] if keep == "start" else ids[-cap:]),
        len(ids),
        f"The text is {len(ids):,} tokens long; {view} uses its {part} {cap:,} (the limit here).",
    )


def check_index(value: Any, size: int, what: str) -> int:
    """A whole number in [0, size): 3, 3.0 and "3" pass; NaN, True, 2.5 or out of range get a
    sentence naming the range. Indexes count from 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (
        math.isfinite(number) and number == int(number) and 0 <= number < size
    ):
        if size < 1:
            raise InvalidInputError(f"There is no {what} to pick here.")
        raise InvalidInputError(
            f"The {what} must be a whole number from 0 to {size - 1} (counted from 0), "
            f"not {shown_value(value)}."
        )
    return int(number)


def token_id_of(lm: CausalLM, value: Any, what: str) -> int:
    """A vocabulary id from an int-like value, checked against the vocabulary size."""
    return check_index(value, len(lm.tokenizer), what)
