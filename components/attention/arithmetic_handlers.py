"""Handlers of the Attention tab's "one head's arithmetic" view: plain functions from the
tab's settings (which head, ``HeadChoice``; which query token, ``ArithmeticQuery``) to (summary,
figure, table), and the API's payload and CSV. The table has a "heatmap"
column read from the heatmap's own extracted weights, so a reader sees the two agree. Layout is in
components/attention/inside_panel.py, the math in models/attention/head_arithmetic.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components import exports
from components.attention.plots import FONT
from components.i18n import here
from models.attention.extraction import AttentionResult, HeadChoice
from models.attention.head_arithmetic import (
    ArithmeticQuery,
    HeadArithmetic,
    head_arithmetic,
    head_inputs,
)
from models.registry import Registry
from models.sentences import paragraphs, sentence

ARITHMETIC_IDEA = (
    "**One head, by hand.** A head turns each token into a *query* q, a *key* k and a *value* v. "
    "The query token scores every earlier token by the dot product q·k, scales it by 1/√d (d = "
    "the head's size, so scores do not grow with it), hides the future, and a softmax turns the "
    "scores into weights that sum to 1: that is the heatmap's row. The head's output is the "
    "weighted sum of the values."
)
ARITHMETIC_HEADERS = ["key token", "q·k", "× 1/√d", "softmax weight", "heatmap weight"]


def _number(value: float) -> str:
    return "−∞ (future)" if math.isinf(value) else f"{value:.4f}"


def arithmetic_rows(result: HeadArithmetic, heatmap_row: np.ndarray | None) -> list[list[str]]:
    """One row per key the query can see (0 .. query), in text order."""
    rows = []
    for j in range(result.query + 1):
        seen = "" if heatmap_row is None else f"{heatmap_row[j]:.6f}"
        rows.append(
            [
                f"{result.labels[j]} (#{j})",
                _number(float(result.dots[j])),
                _number(float(result.scaled[j])),
                f"{result.weights[j]:.6f}",
                seen,
            ]
        )
    return rows


def arithmetic_figure(result: HeadArithmetic) -> go.Figure:
    """Scaled scores (top) and softmax weights (bottom) over the keys the query sees."""
    keys = [f"{result.labels[j]}·{j}" for j in range(result.query + 1)]
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=["q·k × 1/√d (before the softmax)", "softmax: the heatmap's row"],
    )
    scaled = result.scaled[: result.query + 1]
    figure.add_trace(
        go.Bar(
            x=keys,
            y=scaled,
            marker_color=["#c0392b" if v < 0 else "#2e86c1" for v in scaled],
            hovertemplate="%{x}: %{y:.4f}<extra></extra>",
            name="scaled score",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            x=keys,
            y=result.weights[: result.query + 1],
            marker_color="#1f618d",
            hovertemplate="%{x}: %{y:.4f}<extra></extra>",
            name="weight",
        ),
        row=2,
        col=1,
    )
    figure.update_xaxes(type="category", tickangle=-60)
    figure.update_yaxes(title_text=here(sentence("weight")), range=[0, 1], row=2, col=1)
    figure.update_layout(
        title={
            "text": here(
                sentence(
                    "Layer {layer}, head {head}: query {query} (#{index})",
                    layer=result.layer,
                    head=result.head,
                    query=repr(result.labels[result.query]),
                    index=result.query,
                )
            ),
            "x": 0.01,
        },
        height=520,
        showlegend=False,
        font=FONT,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        plot_bgcolor="white",
    )
    return figure


def arithmetic_summary(result: HeadArithmetic, heatmap_row: np.ndarray | None) -> str:
    top = int(np.argmax(result.weights))
    head = sentence(
        "**Layer {layer}, head {head}** (it shares key/value head {kv}), query token **{query}** "
        "(#{qi}): d = {d}, so every q·k is multiplied by 1/√{dim} = {scale}. It looks most at "
        "**{top}** (#{ti}, weight {weight}). Its output, the weighted sum of {n} value vectors, "
        "has length {length}.",
        layer=result.layer, head=result.head, kv=result.kv_head,
        query=repr(result.labels[result.query]), qi=result.query, d=result.head_dim,
        dim=result.head_dim, scale=f"{result.scale:.4f}", top=repr(result.labels[top]), ti=top,
        weight=f"{result.weights[top]:.3f}", n=result.query + 1,
        length=f"{float(np.linalg.norm(result.output)):.3f}",
    )  # fmt: skip
    gap = (
        sentence(
            "Largest difference from the heatmap's row: {gap} (the same numbers, computed step "
            "by step here).",
            gap=f"{float(np.max(np.abs(result.weights - heatmap_row))):.1e}",
        )
        if heatmap_row is not None
        else ""
    )
    return paragraphs(head, gap, result.notice)


def heatmap_row(extracted: AttentionResult | None, result: HeadArithmetic) -> np.ndarray | None:
    """The heatmap's row for this head and query, when the tab holds the same model and tokens."""
    if (
        extracted is None
        or extracted.model_name != result.model_name
        or len(extracted.labels) != len(result.labels)
    ):
        return None
    return extracted.attentions[result.layer, result.head, result.query]


def arithmetic_of(
    registry: Registry, model: Any, text: Any, choice: HeadChoice, query: ArithmeticQuery
) -> HeadArithmetic:
    """One head's arithmetic for the query token ``query`` names (-1: the last token)."""
    position = query.position(len(head_inputs(registry, model, text).labels))
    return head_arithmetic(registry, model, text, choice.layer, choice.head, position)


def show_arithmetic(
    registry: Registry,
    extracted: AttentionResult | None,
    model: Any,
    text: Any,
    *,
    choice: HeadChoice,
    query: ArithmeticQuery,
) -> tuple[str, go.Figure, list[list[str]]]:
    """(summary, figure, table) of one head's arithmetic for the query token; the table sets
    the heatmap's row (of ``extracted``) beside the numbers when it shows the same tokens."""
    result = arithmetic_of(registry, model, text, choice, query)
    row = heatmap_row(extracted, result)
    return (
        arithmetic_summary(result, row),
        arithmetic_figure(result),
        arithmetic_rows(result, row),
    )


def arithmetic_payload(result: HeadArithmetic) -> dict[str, Any]:
    """The API's answer: every number of the computation, for keys 0 .. query."""
    seen = slice(0, result.query + 1)
    return {
        "model": result.model_name,
        "layer": result.layer,
        "head": result.head,
        "kv_head": result.kv_head,
        "query": result.query,
        "tokens": list(result.labels[seen]),
        "head_dim": result.head_dim,
        "scale": result.scale,
        "q": result.q.tolist(),
        "keys": result.keys[seen].tolist(),
        "values": result.values[seen].tolist(),
        "dots": result.dots[seen].tolist(),
        "scaled": result.scaled[seen].tolist(),
        "weights": result.weights[seen].tolist(),
        "output": result.output.tolist(),
        "notice": result.notice,
    }


def arithmetic_csv(rows: Any, choice: HeadChoice) -> Any:
    rows = exports.table_rows(rows)
    if not rows:
        return None
    folder = exports.export_dir("attention")
    path = exports.write_csv(
        ARITHMETIC_HEADERS, rows, folder / f"head-arithmetic-L{choice.layer}-H{choice.head}.csv"
    )
    return exports.shown([path])
