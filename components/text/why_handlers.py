"""Handlers of the Text tab's "why this token?" view: explain a typed next token, or a token of
the session's last run, by integrated gradients or gradient x input, and turn the attribution
into a summary, signed token colours, a bar chart and the API's payload. Layout and wiring are in
components/text/inside_panel.py; the math in models/text/attribution.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go

from components.text.branch_handlers import need_run, settings_of
from models.errors import InvalidInputError
from models.registry import Registry
from models.text.attribution import METHODS, Attribution, explain_ids, explain_next_token
from models.text.generation import prepare_prompt
from models.text.view_input import load_decoder

WHY_IDEA = (
    "**Why this token?** Integrated gradients measures how much each earlier token pushed the "
    "model towards the chosen next token (red) or away from it (blue); the scores add up to the "
    "change in the token's logit from a blank context. The contrastive form explains why one "
    "word rather than another."
)


def check_method(method: Any) -> str:
    if method not in METHODS:
        raise InvalidInputError(f"Pick a method: {' or '.join(METHODS)}.")
    return str(method)


def explain_picked(
    registry: Registry,
    context: Any,
    index: Any,
    contrast: str,
    method: str,
    steps: Any,
    on_step: Callable[[int, int], None] | None = None,
) -> Attribution:
    """Explain generated token ``index`` of the session's last run from the prompt and the
    tokens before it."""
    context = need_run(context)
    if not isinstance(index, int) or not 0 <= index < len(context["ids"]):
        raise InvalidInputError("Click a token of the coloured text first, then explain it.")
    _, lm = load_decoder(registry, context["model"], "why this token")
    settings = settings_of(context)
    prompt_ids = prepare_prompt(lm, context["prompt"], context["chat"], settings.max_new_tokens).ids
    ids = context["ids"]
    return explain_ids(
        registry,
        context["model"],
        prompt_ids + ids[:index],
        ids[index],
        contrast or None,
        check_method(method),
        steps,
        on_step,
    )


def explain_text(
    registry: Registry,
    model: str,
    text: str,
    target: str,
    contrast: str,
    method: str,
    steps: Any,
    on_step: Callable[[int, int], None] | None = None,
) -> Attribution:
    return explain_next_token(
        registry,
        model,
        text,
        target or None,
        contrast or None,
        check_method(method),
        steps,
        on_step,
    )


def attribution_pieces(result: Attribution) -> list[tuple[str, float]]:
    """(token, score scaled to -1..1) for gr.HighlightedText's signed colouring."""
    peak = float(np.max(np.abs(result.scores))) or 1.0
    return [(label, float(s) / peak) for label, s in zip(result.labels, result.scores, strict=True)]


def attribution_figure(result: Attribution, shown: int = 40) -> go.Figure:
    """The context tokens with the largest scores, signed, most important at the top."""
    order = np.argsort(-np.abs(result.scores))[:shown][::-1]
    labels = [f"{result.labels[i]!r} ·{i}" for i in order]
    values = [float(result.scores[i]) for i in order]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=["#c0392b" if v >= 0 else "#2e86c1" for v in values],  # as the text
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )
    figure.update_layout(
        title={
            "text": f"Why {attribution_target(result)}: the {len(order)} strongest tokens",
            "x": 0.01,
        },
        height=max(320, 60 + 22 * len(order)),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font={"family": "system-ui, sans-serif", "size": 13},
        plot_bgcolor="white",
        xaxis={"title": "attribution (logit units)"},
        yaxis={"type": "category"},
    )
    return figure


def attribution_target(result: Attribution) -> str:
    target = repr(result.target_label)
    if result.contrast_id is None:
        return target
    return f"{target} rather than {result.contrast_label!r}"


def attribution_summary(result: Attribution) -> str:
    what = "logit difference" if result.contrast_id is not None else "logit"
    method = (
        f"integrated gradients, {result.steps} steps"
        if result.method == "integrated-gradients"
        else "gradient × input"
    )
    top = int(np.argmax(result.scores)) if len(result.scores) else 0
    lines = [
        f"**Why {attribution_target(result)}** after {len(result.labels)} context tokens "
        f"({method}, {result.seconds:.1f} s). The model gives it {result.target_probability:.1%}. "
        f"The strongest push towards it: **{result.labels[top]!r}** (#{top}).",
        f"The {what} is {result.value:.3f} with this context and {result.baseline_value:.3f} from "
        f"the blank baseline; the scores add up to {float(result.scores.sum()):.3f}"
        + (
            f" (off by {result.completeness_gap:.1%})."
            if result.method == "integrated-gradients"
            else " (gradient × input need not add up: it is a first-order estimate)."
        ),
    ]
    if result.notice:
        lines.append(result.notice)
    return "\n\n".join(lines)


def why_outputs(result: Attribution) -> tuple[str, list[tuple[str, float]], go.Figure, dict]:
    """(summary, signed token colours, bar chart, payload for the export) of one attribution."""
    return (
        attribution_summary(result),
        attribution_pieces(result),
        attribution_figure(result),
        attribution_payload(result),
    )


def attribution_payload(result: Attribution) -> dict[str, Any]:
    return {
        "model": result.model_name,
        "method": result.method,
        "steps": result.steps,
        "tokens": list(result.labels),
        "token_ids": list(result.token_ids),
        "scores": [float(s) for s in result.scores],
        "target": result.target_label,
        "target_id": result.target_id,
        "target_probability": result.target_probability,
        "contrast": result.contrast_label or None,
        "contrast_id": result.contrast_id,
        "value": result.value,
        "baseline_value": result.baseline_value,
        "completeness_gap": (
            None if math.isnan(result.completeness_gap) else result.completeness_gap
        ),
        "layer": result.layer,
        "notice": result.notice,
    }
