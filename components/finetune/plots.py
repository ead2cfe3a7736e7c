"""Plotly figures and summaries for the Fine-tune tab: the loss curve (with the live held-out
loss), the learning-dynamics curves (overfitting, from scratch vs pretrained) and the drift map.

Formatting only: the numbers come from models/finetune/training.py and models/finetune/drift.py.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from components.i18n import here
from components.safe_text import escape_markdown
from models.finetune.drift import Drift
from models.finetune.evaluation import Point
from models.sentences import sentence

GROUP_COLOURS = {"prompt": "#2563eb", "answer": "#ea580c"}


def loss_figure(
    losses: list[float],
    total_steps: int,
    held_out: Sequence[Point] = (),
    kept_step: int | None = None,
) -> go.Figure:
    """Training loss per step and, when measured, the live held-out loss (step 0 = before
    training) on the same axes; ``kept_step`` marks the step whose weights the adapter keeps."""
    figure = go.Figure(
        go.Scatter(
            x=list(range(1, len(losses) + 1)),
            y=losses,
            mode="lines+markers",
            name=here(sentence("training loss")),
        )
    )
    if held_out:
        figure.add_trace(
            go.Scatter(
                x=[step for step, _ in held_out], y=[loss for _, loss in held_out],
                mode="lines+markers", name=here(sentence("held-out loss")),
                line=dict(color="#ea580c", dash="dot"),
                marker=dict(symbol="diamond", size=8),
            )
        )  # fmt: skip
        kept = dict(held_out).get(kept_step) if kept_step is not None else None
        if kept is not None:
            figure.add_trace(
                go.Scatter(
                    x=[kept_step], y=[kept], mode="markers",
                    name=here(sentence("kept: step {step}", step=kept_step)),
                    marker=dict(symbol="star", size=16, color="#16a34a"),
                )
            )  # fmt: skip
    figure.update_layout(
        title=here(
            sentence("Training and held-out loss (lower = the examples surprise the model less)")
            if held_out
            else sentence("Training loss (lower = the examples surprise the model less)")
        ),
        xaxis_title=here(sentence("step")),
        yaxis_title=here(sentence("loss")),
        height=320,
        margin=dict(l=50, r=20, t=50, b=40),
        xaxis_range=[-0.5 if held_out else 0.5, max(total_steps, 1) + 0.5],
        legend=dict(orientation="h", y=-0.25),
    )
    return figure


def curves_figure(
    title: str,
    curves: Sequence[tuple[str, Sequence[Point]]],
    marked: tuple[str, int, float] | None = None,
) -> go.Figure:
    """Several (step, loss) curves on one plot; ``marked`` = (label, step, loss) draws a dashed
    vertical line there (the overfitting demo's turning point)."""
    figure = go.Figure()
    for name, points in curves:
        figure.add_trace(
            go.Scatter(x=[s for s, _ in points], y=[v for _, v in points], mode="lines+markers",
                       name=name)
        )  # fmt: skip
    if marked is not None:
        label, step, loss = marked
        figure.add_vline(x=step, line_dash="dash", line_color="#dc2626")
        figure.add_trace(
            go.Scatter(x=[step], y=[loss], mode="markers+text", name=label, text=[label],
                       textposition="top center",
                       marker=dict(symbol="star", size=16, color="#dc2626"))
        )  # fmt: skip
    figure.update_layout(
        title=here(title),
        xaxis_title=here(sentence("step")),
        yaxis_title=here(sentence("loss (nats per answer token)")),
        height=360,
        margin=dict(l=50, r=20, t=50, b=40),
        legend=dict(orientation="h", y=-0.2),
    )
    return figure


def short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def drift_figure(drift: Drift) -> go.Figure:
    """Each sentence twice: hollow where the base model puts it, filled where the fine-tuned model
    does, joined by a line. Hover shows the sentence (escaped: data is never rendered as HTML)."""
    figure = go.Figure()
    for group, colour in GROUP_COLOURS.items():
        rows = [i for i, g in enumerate(drift.groups) if g == group]
        if not rows:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        for i in rows:
            xs += [float(drift.base_xy[i, 0]), float(drift.tuned_xy[i, 0]), None]
            ys += [float(drift.base_xy[i, 1]), float(drift.tuned_xy[i, 1]), None]
        figure.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", line=dict(color=colour, width=1), opacity=0.5,
                hoverinfo="skip", showlegend=False,
            )
        )  # fmt: skip
        hover = [
            f"{html.escape(short(drift.sentences[i]))}<br>cosine base↔tuned "
            f"{drift.similarity[i]:.3f}"
            for i in rows
        ]
        for label, points, symbol in (
            ("base model", drift.base_xy, "circle-open"),
            ("fine-tuned", drift.tuned_xy, "circle"),
        ):
            figure.add_trace(
                go.Scatter(
                    x=points[rows, 0], y=points[rows, 1], mode="markers",
                    name=f"{group}s, {label}",
                    marker=dict(color=colour, symbol=symbol, size=10, line=dict(width=2)),
                    hovertext=hover, hoverinfo="text",
                )
            )  # fmt: skip
    figure.update_layout(
        title=f"The same sentences, base vs fine-tuned model ({drift.method} of both together)",
        height=460,
        margin=dict(l=20, r=20, t=50, b=20),
        xaxis=dict(showticklabels=False, title=""),
        yaxis=dict(showticklabels=False, title=""),
        legend=dict(orientation="h", y=-0.05),
    )
    return figure


def drift_summary(drift: Drift) -> str:
    lines = [
        "Each sentence is shown twice: **hollow** where the base model represents it, **filled** "
        "where the fine-tuned model does. A long line means fine-tuning changed how the model "
        "reads that sentence. Cosine similarity of the two representations in the model's full "
        "hidden space, centred so that 1 = unchanged and 0 = as different as two unrelated "
        "sentences:"
    ]
    for group in ("answer", "prompt"):
        mean = drift.mean_similarity(group)
        if mean is not None:
            count = drift.groups.count(group)
            lines.append(f"- held-out {group}s ({count}): mean **{mean:.3f}**")
    moved = int(drift.similarity.argmin())
    lines.append(
        f"- moved most: “{escape_markdown(short(drift.sentences[moved], 60))}” "
        f"({drift.similarity[moved]:.3f})"
    )
    lines += [f"Note: {note}" for note in drift.notes]
    return "\n".join(lines)
