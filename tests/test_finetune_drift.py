"""Drift view: the same sentences through the base and the tuned model, mapped together."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from components.finetune.plots import drift_figure, drift_summary
from components.safe_text import escape_markdown
from models.errors import InvalidInputError
from models.finetune.data import Example
from models.finetune.drift import MAX_SENTENCES, drift_sentences, measure_drift
from models.finetune.training import LoraBench
from tests.test_finetune_training import EXAMPLES, FAST, tiny_lm  # noqa: F401

HELD_OUT = [
    Example("the cat", "sat on the mat"),
    Example("a dog", "ran in the park"),
    Example("", "hello world"),
    Example("the dog", "sat on a mat"),
    Example("a cat", "ran on the mat"),
    Example("hello", "the world"),
]


@pytest.fixture(scope="module")
def trained(tiny_lm):  # noqa: F811
    bench = LoraBench(tiny_lm)
    return bench, bench.train(EXAMPLES, FAST)


def test_sentences_are_prompts_and_answers_capped() -> None:
    sentences, groups = drift_sentences(HELD_OUT)
    assert sentences[:3] == ["the cat", "sat on the mat", "a dog"]
    assert groups.count("prompt") == 5 and groups.count("answer") == 6  # one has no prompt
    many, _ = drift_sentences([Example(f"q{i}", f"a{i}") for i in range(100)])
    assert len(many) == MAX_SENTENCES


def test_tuned_representations_move(trained) -> None:
    bench, adapter = trained
    drift = measure_drift(bench, adapter, HELD_OUT)
    n = len(drift.sentences)
    assert drift.base_xy.shape == drift.tuned_xy.shape == (n, 2)
    assert np.all(drift.similarity <= 1 + 1e-5) and np.all(drift.similarity > -1)
    assert drift.similarity.min() < 0.999  # training changed how some sentence is read
    assert drift.method == "UMAP"  # 22 points: enough for neighbourhoods
    summary = drift_summary(drift)
    assert "held-out answers (6)" in summary and "moved most" in summary
    figure = drift_figure(drift)
    names = {trace.name for trace in figure.data if trace.name}
    assert names == {
        f"{g}s, {m}" for g in ("prompt", "answer") for m in ("base model", "fine-tuned")
    }


def test_an_adapter_that_changes_nothing_shows_no_drift(trained) -> None:
    bench, adapter = trained
    zero_b = {
        name: tensor.zero_() if "lora_B" in name else tensor
        for name, tensor in ((k, v.clone()) for k, v in adapter.state_dict.items())
    }
    identity = dataclasses.replace(adapter, state_dict=zero_b)  # LoRA adds B @ A = 0
    drift = measure_drift(bench, identity, HELD_OUT)
    assert np.allclose(drift.similarity, 1.0, atol=1e-5)


def test_hostile_sentences_are_escaped_in_hover_text(trained) -> None:
    bench, adapter = trained
    hostile = [Example("<script>alert(1)</script>", "the cat"), *HELD_OUT]
    figure = drift_figure(measure_drift(bench, adapter, hostile))
    hovers = " ".join(str(t.hovertext) for t in figure.data if t.hovertext is not None)
    assert "<script>" not in hovers and "&lt;script&gt;" in hovers


def test_too_few_sentences_is_a_clear_error(trained) -> None:
    bench, adapter = trained
    with pytest.raises(InvalidInputError, match="at least 2"):
        measure_drift(bench, adapter, [Example("", "cat")])


def test_a_hostile_sentence_in_the_summary_is_text(trained) -> None:
    """Issue "Hold under hostile input" 1: the sentence that moved most is an uploaded data set's
    row, quoted in the Markdown summary as text, never as live HTML."""
    bench, adapter = trained
    drift = measure_drift(bench, adapter, HELD_OUT)
    markup = "<img src=x onerror=alert(1)>"
    summary = drift_summary(dataclasses.replace(drift, sentences=[markup] * len(drift.sentences)))
    assert "<img" not in summary and escape_markdown(markup) in summary
