"""Gradio's own first check of an API caller's values, made to speak in short sentences and to
log each refusal as one line.

Gradio 6.31 checks a Slider's or Number's range on the server (``Number.raise_if_out_of_bounds``,
called by both components' ``preprocess``) but assumes the value is a number: a string such as
``"abc"`` raises a TypeError there, which the caller only sees as "the upstream Gradio app has
raised an exception", and NaN passes the range check (every comparison with NaN is false) and then
fails in rounding. A whole-number field (``precision=0``) rounds 7.5 to 8 without a word. And a
value outside a Dropdown's, Radio's or CheckboxGroup's choices is refused with the whole value
quoted (100,000 characters in, 100,000 out) and a full traceback in the server's log, so any
client could fill the log. Those values never come from the browser, only from scripts, but a
public API must answer them with a sentence too.

``install_number_guard()`` (called once at start) wraps those methods: non-numbers, non-finite
numbers and fractions for whole-number fields are refused with a sentence naming the value (cut
short), a choice refusal quotes a short prefix, and every refusal leaves one log line, no
traceback. Everything else is Gradio's own check, unchanged. The handlers still validate every
parameter themselves (models/validation.py): this only makes Gradio's first line of defence speak
clearly. tests/hosting/test_bad_input.py fails if a Gradio upgrade changes this.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from numbers import Real
from typing import Any

import gradio as gr
from gradio.components.checkboxgroup import CheckboxGroup
from gradio.components.dropdown import Dropdown
from gradio.components.number import Number
from gradio.components.radio import Radio

from models.validation import shown_value

log = logging.getLogger("playground")
_MARK = "_playground_number_guard"


def refused(message: str) -> gr.Error:
    """A refusal of a caller's value: a sentence back, one line in the log, no traceback."""
    log.info("Refused a value: %s", message[:200])
    return gr.Error(message, print_exception=False)


def check_number(value: Any) -> None:
    """Raise ``gr.Error`` unless ``value`` is a finite real number (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise refused(f"Value {shown_value(value)} is not a number: send a number.")
    if not math.isfinite(value):
        raise refused(f"Value {value} is not a finite number: send a number such as 0.5.")


def check_whole(value: Any, precision: Any) -> None:
    """A field that takes whole numbers refuses 7.5 rather than rounding it without a word."""
    if precision == 0 and isinstance(value, Real) and math.isfinite(value) and value != int(value):
        low, high = math.floor(value), math.ceil(value)
        raise refused(
            f"Value {value:g} is not a whole number: send a whole number such as {low} or {high}."
        )


def _whole(preprocess: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(preprocess)
    def wrapper(self: Any, payload: Any) -> Any:
        if payload is not None:  # (non-numbers: Gradio's range check, wrapped below, says so)
            check_whole(payload, self.precision)
        return preprocess(self, payload)

    return wrapper


def _quiet(preprocess: Callable[..., Any]) -> Callable[..., Any]:
    """Gradio's refusal of a choice, said with a short quote of the value and logged as a line."""

    @functools.wraps(preprocess)
    def wrapper(self: Any, payload: Any) -> Any:
        try:
            return preprocess(self, payload)
        except gr.Error as error:
            if not getattr(error, "print_exception", True):
                raise
            choices = [value for _, value in getattr(self, "choices", [])]
            listed = ", ".join(shown_value(c) for c in choices[:20])
            raise refused(
                f"Value {shown_value(payload)} is not in the list of choices: pick one of {listed}."
            ) from None

    setattr(wrapper, _MARK, True)
    return wrapper


def install_number_guard() -> None:
    """Make Gradio's first checks refuse bad values with a sentence and a log line (idempotent)."""
    original = Number.raise_if_out_of_bounds
    if getattr(original, _MARK, False):
        return

    def raise_if_out_of_bounds(num: Any, minimum: Any, maximum: Any) -> None:
        check_number(num)
        try:
            original(num, minimum, maximum)
        except gr.Error as error:
            raise refused(str(error)) from None

    setattr(raise_if_out_of_bounds, _MARK, True)
    Number.raise_if_out_of_bounds = staticmethod(raise_if_out_of_bounds)  # type: ignore[method-assign]
    for component in (Number, gr.Slider):  # what a caller sends; a handler's outputs still round
        component.preprocess = _whole(component.preprocess)  # type: ignore[method-assign]
    for component in (Dropdown, Radio, CheckboxGroup):
        component.preprocess = _quiet(component.preprocess)  # type: ignore[method-assign]
