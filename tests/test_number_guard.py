"""Gradio's own first check of an API caller's value (components/number_guard.py): a fraction
for a whole-number field is refused, not rounded without a word; a refused choice or number is
quoted short; each refusal is one log line, never a traceback (any client could fill the log)."""

from __future__ import annotations

import logging

import gradio as gr
import pytest

from components.number_guard import install_number_guard

install_number_guard()


@pytest.mark.parametrize(
    ("component", "value", "message"),
    [
        (gr.Slider(1, 512, step=1, precision=0), 7.5, "whole number such as 7 or 8"),
        (gr.Number(minimum=1, maximum=50, precision=0), 3.7, "such as 3 or 4"),
        (gr.Slider(1, 512, step=1, precision=0), "1" * 100_000, "is not a number"),
        (gr.Slider(1, 512, step=1, precision=0), 10**6, "greater than maximum value 512"),
        (gr.Dropdown(["DDIM", "Euler"]), "E" * 100_000, "pick one of 'DDIM', 'Euler'"),
        (gr.Radio(["PCA", "UMAP"]), "LDA", "not in the list of choices"),
        (gr.CheckboxGroup(["a", "b"]), ["c"], "not in the list of choices"),
    ],
)  # fmt: skip
def test_refusals_are_short_sentences_logged_as_one_line(component, value, message, caplog):
    with caplog.at_level(logging.INFO, logger="playground"), pytest.raises(gr.Error) as error:
        component.preprocess(value)
    said = str(error.value)
    assert message in said and len(said) < 300, said[:300]
    assert error.value.print_exception is False  # Gradio prints no traceback for it
    assert [r.getMessage() for r in caplog.records if "Refused" in r.getMessage()] != []


@pytest.mark.parametrize(
    ("component", "value", "expected"),
    [(gr.Slider(1, 512, step=1, precision=0), 8.0, 8), (gr.Slider(0, 2, step=0.05), 0.7, 0.7),
     (gr.Number(precision=0), None, None), (gr.Dropdown(["DDIM"]), "DDIM", "DDIM")],
)  # fmt: skip
def test_good_values_pass_unchanged(component, value, expected):
    assert component.preprocess(value) == expected
    assert gr.Number(precision=0).postprocess(7.5) == 8  # a handler's output still rounds
