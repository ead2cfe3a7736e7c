"""Plotly figures of the Embeddings tab's classifier: the confusion matrix, the map coloured by
right/wrong, and one sentence's class probabilities. No model math here."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from components.embeddings.plots import hover_text
from components.i18n import here
from models.sentences import sentence

STATUS_COLOURS = {"right": "#59a14f", "wrong": "#e15759", "train": "#bab0ac"}
STATUS_NAMES = {"right": "held out, right", "wrong": "held out, wrong", "train": "trained on"}


def confusion_figure(confusion: np.ndarray, classes: list[str]) -> go.Figure:
    names = [html.escape(c) for c in classes]
    figure = go.Figure(
        go.Heatmap(
            z=confusion, x=names, y=names, colorscale="Blues", text=confusion,
            texttemplate="%{text}", hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
            colorbar={"title": {"text": here(sentence("sentences"))}},
        )
    )  # fmt: skip
    figure.update_layout(
        title=here(sentence("Confusion matrix (held-out sentences)")),
        template="plotly_white", height=420, xaxis={"title": here(sentence("predicted"))},
        yaxis={"title": here(sentence("true label")), "autorange": "reversed"},
        margin={"l": 90, "r": 10, "t": 50, "b": 60},
    )  # fmt: skip
    return figure


def right_wrong_figure(
    coords: np.ndarray, texts: list[str], labels: list[str], status: list[str], method: str
) -> go.Figure:
    figure = go.Figure()
    marks = np.asarray(status)
    for key in ("train", "right", "wrong"):
        rows = np.flatnonzero(marks == key)
        figure.add_trace(
            go.Scattergl(
                x=coords[rows, 0], y=coords[rows, 1], mode="markers",
                name=f"{STATUS_NAMES[key]} ({len(rows)})",
                marker={"size": 7 if key == "train" else 11, "color": STATUS_COLOURS[key],
                        "symbol": "x" if key == "wrong" else "circle", "opacity": 0.85},
                customdata=[[hover_text(texts[i]), html.escape(labels[i])] for i in rows],
                hovertemplate="%{customdata[0]}<br><i>%{customdata[1]}</i><extra></extra>",
            )
        )  # fmt: skip
    figure.update_layout(
        title=here(sentence("Each sentence on the map ({method}): right or wrong",
                            method=html.escape(method))),
        template="plotly_white", height=480, legend={"orientation": "h", "y": -0.08},
        xaxis={"showticklabels": False, "title": f"{method} 1"},
        yaxis={"showticklabels": False, "title": f"{method} 2"},
        margin={"l": 30, "r": 10, "t": 50, "b": 10},
    )  # fmt: skip
    return figure


def probability_figure(ranked: list[tuple[str, float]]) -> go.Figure:
    labels = [html.escape(label) for label, _ in ranked]
    figure = go.Figure(
        go.Bar(x=[p for _, p in ranked], y=labels, orientation="h", marker_color="#4e79a7",
               text=[f"{p:.1%}" for _, p in ranked], textposition="auto")
    )  # fmt: skip
    figure.update_layout(
        title=here(sentence("Class probabilities")), template="plotly_white", height=320,
        xaxis={"range": [0, 1], "tickformat": ".0%"}, yaxis={"autorange": "reversed"},
        margin={"l": 90, "r": 10, "t": 50, "b": 30},
    )  # fmt: skip
    return figure
