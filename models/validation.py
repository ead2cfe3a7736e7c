"""Checks for numbers that arrive from sliders or API callers: anything can come in (NaN, inf,
strings, booleans, huge values), and the user gets one sentence naming the field and its range."""

from __future__ import annotations

import math
from typing import Any

from models.errors import InvalidInputError


def bounded_number(name: str, value: Any, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a number from {low:g} to {high:g}.") from None
    if isinstance(value, bool) or not math.isfinite(number) or not low <= number <= high:
        raise InvalidInputError(f"{name} must be a number from {low:g} to {high:g}, not {value}.")
    return number


def whole_number(name: str, value: Any, low: int, high: int) -> int:
    number = bounded_number(name, value, low, high)
    if number != int(number):
        raise InvalidInputError(f"{name} must be a whole number from {low} to {high}.")
    return int(number)
