"""The one checker for numbers that arrive from sliders or API callers: anything can come in (NaN,
inf, strings, booleans, huge values), and the user gets one sentence naming the field and its range.

Every tab's model code uses these two functions, so a value is accepted or refused the same way
everywhere: numbers written as text ("3", "2.5") are accepted, booleans are not numbers.

And the measures of what a page or a caller posts, taken before it is decoded: how deep a JSON text
nests (``json_deeper_than``: json.loads recurses, so a text nested 100,000 deep would raise
RecursionError) and how many pixels a PNG declares (``png_size``: its header, read before a pixel
is decompressed). The caller refuses with a sentence that says what to do in its own words.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any

import numpy as np

from models.errors import InvalidInputError
from models.sentences import sentence

MAX_SEED = 2**32 - 1  # every seed in the playground: torch, numpy and llama.cpp all take 32 bits


SHOWN_CHARS = 40  # how much of a refused value a message quotes: enough to recognise it


def shown_value(value: Any, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters: a message names a refused value, never
    echoes it whole (an index of 100,000 characters would otherwise come back 100,000 long)."""
    try:  # a long string is cut before repr: a 100,000-character value costs nothing here
        text = repr(value[: 4 * limit] if isinstance(value, str) else value)
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


# A JSON string, escapes and all; an unterminated one runs to the end (so no text is scanned twice).
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.?)*+"?', re.DOTALL)
_STEP = np.zeros(256, dtype=np.int32)  # what each byte does to the depth: brackets, ±1
_STEP[[ord("["), ord("{")]], _STEP[[ord("]"), ord("}")]] = 1, -1


def json_deeper_than(text: str, limit: int) -> bool:
    """Whether the JSON ``text`` nests arrays and objects more than ``limit`` levels deep, found
    without parsing it and without recursion: strings are taken out, and the depth is the
    running sum of +1 for each opening bracket and -1 for each closing one (a few passes over
    the text, all in C)."""
    rest = _JSON_STRING.sub("", text).encode("utf-8", "surrogatepass")
    if not rest:
        return False
    return bool(np.cumsum(_STEP[np.frombuffer(rest, dtype=np.uint8)]).max() > limit)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) as a PNG's header (its first chunk, IHDR) declares them, read before any
    pixel is decompressed; None for anything that does not start as a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height
