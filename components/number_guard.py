"""Numbers from API callers are numbers: a clear message for strings, booleans, NaN and infinity.

Gradio 6.31 checks a Slider's or Number's range on the server (``Number.raise_if_out_of_bounds``,
called by both components' ``preprocess``) but assumes the value is a number: a string such as
``"abc"`` raises a TypeError there, which the caller only sees as "the upstream Gradio app has
raised an exception", and NaN passes the range check (every comparison with NaN is false) and then
fails in rounding. Those values never come from the browser, only from scripts, but a public API
must answer them with a sentence too.

``install_number_guard()`` (called once by app.py) wraps that one static method so that such values
raise ``gr.Error`` naming the value. Everything else is Gradio's own check, unchanged. The handlers
still validate every parameter themselves (models/validation.py): this only makes Gradio's first
line of defence speak clearly. tests/hosting/test_bad_input.py fails if a Gradio upgrade changes
this.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import gradio as gr
from gradio.components.number import Number

_MARK = "_playground_number_guard"


def check_number(value: Any) -> None:
    """Raise ``gr.Error`` unless ``value`` is a finite real number (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise gr.Error(f"Value {value!r} is not a number.", print_exception=False)
    if not math.isfinite(value):
        raise gr.Error(f"Value {value} is not a finite number.", print_exception=False)


def install_number_guard() -> None:
    """Make Gradio's number range check refuse non-numbers first (idempotent)."""
    original = Number.raise_if_out_of_bounds
    if getattr(original, _MARK, False):
        return

    def raise_if_out_of_bounds(num: Any, minimum: Any, maximum: Any) -> None:
        check_number(num)
        original(num, minimum, maximum)

    setattr(raise_if_out_of_bounds, _MARK, True)
    Number.raise_if_out_of_bounds = staticmethod(raise_if_out_of_bounds)  # type: ignore[method-assign]
