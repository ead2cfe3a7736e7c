"""Plotly figures for the Attention tab: one head's heatmap, a layer's heads as small multiples,
the layer x head overview, and token focus. Figures only: no model math (models/attention*.py)
and no gradio wiring (components/attention/tab.py).

Token axes are categorical, one category per position: callers pass unique labels (repeated tokens
carry their position, 'the·7'; see models.attention.extraction.unique_labels), so a token that
occurs twice stays two rows. Hover boxes read the labels off the axes, which keeps a 128-token
figure small (no per-cell label arrays to send to the browser).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.i18n import here
from models.sentences import sentence

COLORSCALE = "Blues"
FONT = {"family": "system-ui, sans-serif", "size": 13}


def _ticks(labels: list[str], max_ticks: int = 64) -> dict:
    """A categorical token axis; past ``max_ticks`` labels only every k-th is written (hovering
    still names every cell). The type is forced: a token like '2024' must not turn the axis
    numeric."""
    step = max(1, math.ceil(len(labels) / max_ticks))
    shown = labels[::step]
    size = 12 if len(labels) <= 32 else 10 if len(labels) <= 64 else 8
    return {
        "type": "category",
        "tickmode": "array",
        "tickvals": shown,
        "ticktext": shown,
        "tickfont": {"size": size},
    }


def heatmap_figure(matrix: np.ndarray, labels: list[str], title: str) -> go.Figure:
    """One [seq, seq] attention matrix: rows are queries (the token looking), columns keys."""
    n = len(labels)
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=labels,
            y=labels,
            hovertemplate="%{y} → %{x}: %{z:.4f}<extra></extra>",
            colorscale=COLORSCALE,
            zmin=0.0,
            zmax=float(matrix.max()) if matrix.size else 1.0,
            colorbar={"title": {"text": here(sentence("weight"))}, "thickness": 14},
        )
    )
    side = int(min(900, max(560, 200 + 12 * n)))
    figure.update_layout(
        title={"text": title, "x": 0.01},
        height=side,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font=FONT,
        xaxis={**_ticks(labels), "title": here(sentence("attends to (key)")), "tickangle": -60},
        # square cells, so the diagonal (a token looking at itself) is a true diagonal
        yaxis={
            **_ticks(labels),
            "title": here(sentence("token (query)")),
            "autorange": "reversed",
            "scaleanchor": "x",
            "constrain": "domain",
        },
        plot_bgcolor="white",
    )
    return figure


def small_multiples_figure(layer_matrices: np.ndarray, labels: list[str], title: str) -> go.Figure:
    """Every head of one layer ([heads, seq, seq]) side by side, on one shared colour scale."""
    heads = layer_matrices.shape[0]
    cols = 3 if heads <= 9 else 4
    rows = math.ceil(heads / cols)
    figure = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[here(sentence("head {head}", head=h)) for h in range(heads)],
        horizontal_spacing=0.03,
        vertical_spacing=0.06,
    )
    zmax = float(layer_matrices.max()) if layer_matrices.size else 1.0
    for head in range(heads):
        figure.add_trace(
            go.Heatmap(
                z=layer_matrices[head],
                x=labels,
                y=labels,
                hovertemplate=f"head {head}<br>%{{y}} → %{{x}}: %{{z:.4f}}<extra></extra>",
                colorscale=COLORSCALE,
                zmin=0.0,
                zmax=zmax,
                showscale=head == 0,
                colorbar={"thickness": 14},
            ),
            row=head // cols + 1,
            col=head % cols + 1,
        )
    figure.update_xaxes(showticklabels=False, type="category", constrain="domain")
    figure.update_yaxes(showticklabels=False, type="category", autorange="reversed",
                        constrain="domain")  # fmt: skip
    for head in range(heads):  # square panels, each y axis tied to its own x axis
        suffix = "" if head == 0 else str(head + 1)
        figure.layout[f"yaxis{suffix}"].scaleanchor = f"x{suffix}"
    figure.update_layout(
        title={"text": title, "x": 0.01},
        height=int(rows * 250 + 80),
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        font=FONT,
    )
    return figure


def overview_figure(
    scores: np.ndarray, score_name: str, description: str, selected: tuple[int, int]
) -> go.Figure:
    """Every (layer, head) coloured by one summary score; the selected head is outlined."""
    layers, heads = scores.shape
    figure = go.Figure(
        go.Heatmap(
            z=scores,
            x=list(range(heads)),
            y=list(range(layers)),
            colorscale="Viridis_r" if score_name == "entropy" else "Viridis",
            hovertemplate=f"layer %{{y}}, head %{{x}}<br>{score_name}: %{{z:.3f}}<extra></extra>",
            colorbar={"thickness": 14},
        )
    )
    layer, head = selected
    figure.add_shape(
        type="rect",
        x0=head - 0.5,
        x1=head + 0.5,
        y0=layer - 0.5,
        y1=layer + 0.5,
        line={"color": "#e4572e", "width": 3},
    )
    figure.update_layout(
        title={
            "text": here(sentence("Every head: {score}", score=score_name))
            + f"<br><sup>{description}</sup>",
            "x": 0.01,
        },
        height=int(min(760, max(320, 120 + 18 * layers))),
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        font=FONT,
        xaxis={"title": here(sentence("head")), "dtick": 1},
        yaxis={
            "title": here(sentence("layer")),
            "autorange": "reversed",
            "dtick": 1 if layers <= 12 else 2,
        },
    )
    return figure


def token_focus_figure(
    focus: np.ndarray, labels: list[str], position: int, title: str
) -> go.Figure:
    """What one token attends to, layer by layer ([layers, seq]): a row per layer, a column per
    token it can see."""
    layers = focus.shape[0]
    figure = go.Figure(
        go.Heatmap(
            z=focus,
            x=labels,
            y=list(range(layers)),
            hovertemplate="layer %{y} → %{x}: %{z:.4f}<extra></extra>",
            colorscale=COLORSCALE,
            zmin=0.0,
            colorbar={"thickness": 14},
        )
    )
    figure.add_vline(x=labels[position], line={"color": "#e4572e", "width": 2, "dash": "dot"})
    figure.update_layout(
        title={"text": title, "x": 0.01},
        height=int(min(700, max(300, 140 + 16 * layers))),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font=FONT,
        xaxis={**_ticks(labels), "tickangle": -60, "title": here(sentence("attends to"))},
        yaxis={
            "title": here(sentence("layer")),
            "autorange": "reversed",
            "dtick": 1 if layers <= 12 else 2,
        },
    )
    return figure
