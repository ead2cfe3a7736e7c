"""Handlers of the Text tab's "why this token?" view: explain a typed next token, or a token of
the session's last run, by integrated gradients or gradient x input, and turn the attribution
into a summary, signed token colours, a bar chart and the API's payload. Layout and wiring are in
components/text/inside_panel.py; the math in models/text/attribution.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch

from components.i18n import here
from components.text.branch_handlers import need_run, settings_of
from models.errors import InvalidInputError
from models.registry import Registry
from models.sentences import joined, paragraphs, sentence
from models.text.attribution import (
    METHODS,
    Attribution,
    AttributionSettings,
    explain_ids,
    explain_next_token,
)
from models.text.generation import prepare_prompt
from models.text.view_input import load_decoder

WHY_IDEA = (
    "**Why this token?** Integrated gradients measures how much each earlier token pushed the "
    "model towards the chosen next token (red) or away from it (blue); the scores add up to the "
    "change in the token's logit from a blank context. The contrastive form explains why one "
    "word rather than another."
)


def checked_method(settings: AttributionSettings) -> AttributionSettings:
    if settings.method not in METHODS:
        raise InvalidInputError(f"Pick a method: {' or '.join(METHODS)}.")
    return settings


def explain_picked(
    registry: Registry,
    context: Any,
    index: Any,
    settings: AttributionSettings,
    on_step: Callable[[int, int], None] | None = None,
) -> Attribution:
    """Explain generated token ``index`` of the session's last run from the prompt and the
    tokens before it, against the runner-up at that same position (the model's most likely
    other token there): never against the contrast typed for the standalone example, which
    belongs to another text."""
    context = need_run(context)
    if not isinstance(index, int) or not 0 <= index < len(context["ids"]):
        raise InvalidInputError(
            sentence("Click a token of the coloured text first, then explain it.")
        )
    _, lm = load_decoder(registry, context["model"], "why this token")
    sampling = settings_of(context)
    prompt_ids = prepare_prompt(lm, context["prompt"], context["chat"], sampling.max_new_tokens).ids
    ids = context["ids"]
    before = prompt_ids + ids[:index]
    result = explain_ids(
        registry,
        context["model"],
        before,
        ids[index],
        runner_up(lm, before, ids[index]),
        checked_method(settings),
        on_step,
    )
    said = sentence(
        "The token is explained against {other}, the model's most likely other token at its "
        "position (token {n}).",
        other=repr(result.contrast_label), n=index + 1,
    )  # fmt: skip
    return replace(result, notice=joined(" ", said, result.notice))


def runner_up(lm: Any, before: list[int], picked: int) -> int:
    """The model's most likely token after ``before`` other than ``picked``."""
    with torch.inference_mode():
        logits = lm.model(torch.tensor([before], device=lm.model.device)).logits[0, -1]
    first, second = torch.topk(logits, 2).indices.tolist()
    return second if first == picked else first


def explain_text(
    registry: Registry,
    model: str,
    text: str,
    target: str,
    contrast: str,
    settings: AttributionSettings,
    on_step: Callable[[int, int], None] | None = None,
) -> Attribution:
    return explain_next_token(
        registry, model, text, target or None, contrast or None, checked_method(settings), on_step
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
            "text": here(
                sentence(
                    "Why {target}: the {n} strongest tokens",
                    target=attribution_target(result),
                    n=len(order),
                )
            ),
            "x": 0.01,
        },
        height=max(320, 60 + 22 * len(order)),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font={"family": "system-ui, sans-serif", "size": 13},
        plot_bgcolor="white",
        xaxis={"title": here(sentence("attribution (logit units)"))},
        yaxis={"type": "category"},
    )
    return figure


def attribution_target(result: Attribution) -> str:
    target = repr(result.target_label)
    if result.contrast_id is None:
        return target
    return sentence(
        "{target} rather than {other}", target=target, other=repr(result.contrast_label)
    )


def attribution_summary(result: Attribution) -> str:
    top = int(np.argmax(result.scores)) if len(result.scores) else 0
    facts = {
        "target": attribution_target(result),
        "n": len(result.labels),
        "seconds": f"{result.seconds:.1f}",
        "probability": f"{result.target_probability:.1%}",
        "label": repr(result.labels[top]),
        "index": top,
    }
    if result.method == "integrated-gradients":
        why = sentence(
            "**Why {target}** after {n} context tokens (integrated gradients, {steps} steps, "
            "{seconds} s). The model gives it {probability}. The strongest push towards it: "
            "**{label}** (#{index}).",
            steps=result.steps, **facts,
        )  # fmt: skip
    else:
        why = sentence(
            "**Why {target}** after {n} context tokens (gradient × input, {seconds} s). The model "
            "gives it {probability}. The strongest push towards it: **{label}** (#{index}).",
            **facts,
        )
    sums = {
        "value": f"{result.value:.3f}",
        "baseline": f"{result.baseline_value:.3f}",
        "total": f"{float(result.scores.sum()):.3f}",
    }
    contrastive = result.contrast_id is not None
    if result.method == "integrated-gradients":
        gap = f"{result.completeness_gap:.1%}"
        adds_up = (
            sentence(
                "The logit difference is {value} with this context and {baseline} from the "
                "blank baseline; the scores add up to {total} (off by {gap}).",
                gap=gap, **sums,
            )
            if contrastive
            else sentence(
                "The logit is {value} with this context and {baseline} from the blank "
                "baseline; the scores add up to {total} (off by {gap}).",
                gap=gap, **sums,
            )
        )  # fmt: skip
    else:
        adds_up = (
            sentence(
                "The logit difference is {value} with this context and {baseline} from the "
                "blank baseline; the scores add up to {total} (gradient × input need not add "
                "up: it is a first-order estimate).",
                **sums,
            )
            if contrastive
            else sentence(
                "The logit is {value} with this context and {baseline} from the blank "
                "baseline; the scores add up to {total} (gradient × input need not add up: it "
                "is a first-order estimate).",
                **sums,
            )
        )
    return paragraphs(why, adds_up, result.notice)


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
