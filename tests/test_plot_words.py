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
