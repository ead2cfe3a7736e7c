"""Issue 28 item 9: a Spanish or Chinese class read English on the main pictures. A figure's
title, axes and legend are said in the session's language where the figure is made
(components/i18n.py ``here``): plotly keeps them as plain text."""

from __future__ import annotations

import gradio as gr
import numpy as np
import pytest
from gradio.context import LocalContext

from components import i18n
from components.attention import plots


@pytest.fixture
def session_in():
    tokens = []

    def speak(language: str) -> None:
        request = gr.Request(session_hash=f"plot-words-{language}")
        i18n.remember(request, language)
        tokens.append(LocalContext.request.set(request))

    yield speak
    for token in reversed(tokens):
        LocalContext.request.reset(token)


@pytest.mark.parametrize(
    ("language", "key", "token", "layer"),
    [("en", "attends to (key)", "token (query)", "layer"),
     ("es", "atiende a (clave)", "token (consulta)", "capa"),
     ("zh", "关注的对象（键）", "token（查询）", "层")],
)  # fmt: skip
def test_attention_figures_speak_the_sessions_language(session_in, language, key, token, layer):
    session_in(language)
    heatmap = plots.heatmap_figure(np.eye(3), ["a", "b", "c"], "title")
    assert heatmap.layout.xaxis.title.text == key and heatmap.layout.yaxis.title.text == token
    overview = plots.overview_figure(np.ones((2, 3)), "entropy", "", (0, 0))
    assert overview.layout.yaxis.title.text == layer
    heads = plots.small_multiples_figure(np.ones((2, 3, 3)), ["a", "b", "c"], "t")
    first = {"en": "head 0", "es": "cabeza 0", "zh": "第 0 个头"}[language]
    assert heads.layout.annotations[0].text == first


def test_text_finetune_and_embedding_figures_speak_it_too(session_in) -> None:
    from components.embeddings import classifier_plots
    from components.finetune import plots as finetune_plots
    from components.text import plots as text_plots

    session_in("zh")
    bars = text_plots.bar_chart([(" Paris", 0.5, 0.7)], "t")
    assert [trace.name for trace in bars.data] == ["模型（温度 1）", "采样器之后"]
    loss = finetune_plots.loss_figure([3.0, 2.0], 4, held_out=[(0, 3.1), (2, 2.5)], kept_step=2)
    assert loss.layout.xaxis.title.text == "步" and loss.data[1].name == "留出集损失"
    assert loss.layout.title.text.startswith("训练损失与留出集损失")
    confusion = classifier_plots.confusion_figure(np.eye(2, dtype=int), ["a", "b"])
    assert confusion.layout.yaxis.title.text == "真实标签"
