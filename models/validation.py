"""The one checker for numbers that arrive from sliders or API callers: anything can come in (NaN,
inf, strings, booleans, huge values), and the user gets one sentence naming the field and its range.

Every tab's model code uses these two functions, so a value is accepted or refused the same way
everywhere: numbers written as text ("3", "2.5") are accepted, booleans are not numbers.
"""

from __future__ import annotations

import math
from typing import Any

from models.errors import InvalidInputError
from models.sentences import sentence

MAX_SEED = 2**32 - 1  # every seed in the playground: torch, numpy and llama.cpp all take 32 bits


SHOWN_CHARS = 40  # how much of a refused value a message quotes: enough to recognise it


def shown_value(value: Any, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters: a message names a refused value, never
    echoes it whole (an index of 100,000 characters would otherwise come back 100,000 long)."""
    try:
        text = (
            repr(value)
            if not isinstance(value, str) or len(value) <= 4 * limit
            else repr(value[: 4 * limit])
        )
    except (RecursionError, ValueError):  # a list nested too deep, an int past repr's digits
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_number(value: Any) -> float:
    if isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def bounded_number(name: str, value: Any, low: float, high: float) -> float:
    """``value`` as a float in [low, high], or InvalidInputError naming ``name`` and the range."""
    number = _as_number(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInputError(
            sentence(
                "{name} must be a number from {low} to {high}, not {value}.",
                name=name, low=f"{low:g}", high=f"{high:g}", value=shown_value(value),
            )
        )  # fmt: skip
    return number


def whole_number(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an int in [low, high] (3, 3.0 and "3" alike), or InvalidInputError."""
    number = _as_number(value)
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        raise InvalidInputError(
            sentence(
                "{name} must be a whole number from {low} to {high}, not {value}.",
                name=name, low=low, high=high, value=shown_value(value),
            )
        )  # fmt: skip
    return int(number)


def seed_number(value: Any, name: str = "seed") -> int:
    """A seed: a whole number from 0 to MAX_SEED."""
    return whole_number(name, value, 0, MAX_SEED)
