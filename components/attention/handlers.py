"""Attention tab handlers: plain functions from an extracted AttentionResult and the user's
choices (settings objects: which head, ``HeadChoice`` in models/attention/extraction.py, and how
it is shown, ``AttentionDisplay``) to figures, text and files. No gradio here, so tests call them
directly; components/attention/tab.py wires them to the page.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from components.attention import plots
from components.i18n import here
from models.attention import stats
from models.attention.extraction import (
    MAX_INDEX,
    TOKEN_CAP,
    AttentionResult,
    HeadChoice,
    unique_labels,
)
from models.errors import InvalidInputError
from models.scratch import new_folder
from models.sentences import paragraphs, sentence
from models.settings import Settings, setting

VIEWS = ("One head", "All heads of the layer", "Mean over heads", "Rollout up to this layer")
FOCUS_MODES = ("This head", "Mean over heads")


@dataclass(frozen=True)
class AttentionDisplay(Settings):
    """How the Attention tab shows the chosen head: the main view, the overview's score, the
    token in focus (its position; None: the last) and whose heads the focus plot follows. Each
    setting declared once, read by the tab's widgets, its demos and these handlers."""

    view: str = setting(VIEWS[0], choices=VIEWS, label="View")
    score: str = setting("previous token", choices=tuple(stats.HEAD_SCORES), label="Overview score")
    focus: int | None = setting(
        None, kind="whole", low=0, high=MAX_INDEX, optional=True, label="Token", noun="token"
    )
    focus_mode: str = setting(FOCUS_MODES[1], choices=FOCUS_MODES, label="Heads")


def _short_name(model_name: str) -> str:
    return model_name.rsplit("/", 1)[-1]


def summary_markdown(result: AttentionResult) -> str:
    """What was run: token count, shape, and, when the text was cut, what was kept."""
    kind = (
        sentence("decoder: each token sees only itself and earlier tokens")
        if (result.architecture == "decoder")
        else sentence("encoder: every token sees every token")
    )
    shape = sentence(
        "**{n} tokens** through **{model}** ({layers} layers × {heads} heads; {kind}). Every row "
        "of a heatmap sums to 1; layers and heads are counted from 0.",
        n=result.seq_len, model=_short_name(result.model_name), layers=result.layers,
        heads=result.heads, kind=kind,
    )  # fmt: skip
    if not result.truncated:
        return shape
    kept = result.kept_text.replace("\n", " ")
    cut = sentence(
        "⚠️ The text has {total} tokens; only the first {cap} are shown (the cap keeps the page "
        "fast). Kept: *{kept}*",
        total=result.total_tokens, cap=TOKEN_CAP,
        kept=f"{kept[:600]}{'…' if len(kept) > 600 else ''}",
    )  # fmt: skip
    return paragraphs(shape, cut)


def current_matrix(result: AttentionResult, view: str, layer: Any, head: Any) -> np.ndarray:
    """The [seq, seq] matrix a one-matrix view shows (the selected head for the all-heads view)."""
    layer, head = result.check_layer_head(layer, head)
    if view == "Mean over heads":
        return stats.mean_over_heads(result.attentions, layer)
    if view == "Rollout up to this layer":
        return stats.rollout(result.attentions, layer)
    return result.attentions[layer, head]


def view_title(result: AttentionResult, view: str, layer: int, head: int) -> str:
    name = _short_name(result.model_name)
    if view == "All heads of the layer":
        said = sentence("{name}: every head of layer {layer}", name=name, layer=layer)
    elif view == "Mean over heads":
        said = sentence("{name}: layer {layer}, mean over its {heads} heads",
                        name=name, layer=layer, heads=result.heads)  # fmt: skip
    elif view == "Rollout up to this layer":
        said = sentence(
            "{name}: attention rollout through layers 0–{layer}", name=name, layer=layer
        )
    else:
        said = sentence("{name}: layer {layer}, head {head}", name=name, layer=layer, head=head)
    return here(said)  # a figure's title: said where the figure is made


def main_figure(
    result: AttentionResult | None, display: AttentionDisplay, choice: HeadChoice
) -> go.Figure | None:
    """The big plot for the chosen view; None before anything was extracted."""
    if result is None:
        return None
    layer, head = result.checked_head(choice)
    labels = unique_labels(result.labels)
    title = view_title(result, display.view, layer, head)
    if display.view == "All heads of the layer":
        return plots.small_multiples_figure(result.attentions[layer], labels, title)
    return plots.heatmap_figure(current_matrix(result, display.view, layer, head), labels, title)


def overview(
    result: AttentionResult | None, display: AttentionDisplay, choice: HeadChoice
) -> tuple[go.Figure | None, str]:
    """The layer x head map for the display's score, and the top heads for it as text."""
    if result is None:
        return None, ""
    score = display.score
    layer, head = result.checked_head(choice)
    values = stats.head_scores(result.attentions, score, result.token_ids)
    figure = plots.overview_figure(values, score, stats.HEAD_SCORES[score], (layer, head))
    if score == "induction" and not stats.induction_pairs(result.token_ids):
        return figure, (
            "No token repeats in this text, so no head can show induction: try the induction "
            "demo, or a text that repeats itself."
        )
    which = "Sharpest" if score == "entropy" else "Highest"
    top = ", ".join(
        f"layer {lay} head {hd} ({value:.2f})"
        for lay, hd, value in stats.top_heads(values, score, 5)
    )
    return figure, f"{which} {score}: {top}."


def focus_choices(result: AttentionResult) -> list[tuple[str, int]]:
    """(label, position) pairs for the token-focus dropdown; labels are unique."""
    return [(f"{label} (#{i})", i) for i, label in enumerate(result.labels)]


def pick_focus(result: AttentionResult, hint: str, current: Any) -> int:
    """The focus position: the first token matching ``hint``, else ``current`` if still valid,
    else the last token (which, in a decoder, sees the whole text)."""
    wanted = hint.strip().lower()
    if wanted:
        for position, label in enumerate(result.labels):
            if label.strip().lower() == wanted:
                return position
    if (
        isinstance(current, int | float)
        and 0 <= current < result.seq_len
        and current == int(current)
    ):
        return int(current)
    return result.seq_len - 1


def focus_figure(
    result: AttentionResult | None, display: AttentionDisplay, choice: HeadChoice
) -> go.Figure | None:
    """What the token in focus attends to in every layer (the chosen head, or the mean over
    heads)."""
    if result is None or display.focus is None:
        return None
    position = int(pick_focus(result, "", display.focus))
    _, head = result.check_layer_head(0, choice.head)
    use_head = head if display.focus_mode == "This head" else None
    focus = stats.token_focus(result.attentions, position, use_head)
    labels = unique_labels(result.labels)
    if result.architecture == "decoder":  # later tokens are masked out: show only what it sees
        focus, labels = focus[:, : position + 1], labels[: position + 1]
    which = f"head {head}" if use_head is not None else "mean over heads"
    title = f"What '{result.labels[position]}' (#{position}) attends to, layer by layer ({which})"
    return plots.token_focus_figure(focus, labels, position, title)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "attention"


def export_files(
    result: AttentionResult | None,
    display: AttentionDisplay,
    choice: HeadChoice,
    folder: Path | None = None,
) -> list[str]:
    """The current view as a self-contained HTML page, its matrix as CSV (query rows, key
    columns; for the all-heads view, one long table with a row per head, query and key) and as
    JSON (the /attention endpoint's answer for the layer and head, plus the view's matrix)."""
    if result is None:
        raise InvalidInputError("Nothing to export yet: press Show attention first.")
    layer, head = result.checked_head(choice)
    view = display.view
    folder = folder or new_folder("attention")  # pruned by age and count
    stem = _slug(view_title(result, view, layer, head))
    html_path, csv_path = folder / f"{stem}.html", folder / f"{stem}.csv"
    figure = main_figure(result, display, choice)
    figure.write_html(html_path, include_plotlyjs=True, full_html=True)  # works offline
    labels = unique_labels(result.labels)
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if view == "All heads of the layer":
            writer.writerow(
                ["layer", "head", "query_position", "query", "key_position", "key", "weight"]
            )
            for h, matrix in enumerate(result.attentions[layer]):
                for q, row in enumerate(matrix):
                    for k, weight in enumerate(row):
                        writer.writerow([layer, h, q, labels[q], k, labels[k], f"{weight:.8g}"])
        else:
            matrix = current_matrix(result, view, layer, head)
            writer.writerow(["query \\ key", *labels])
            for q, row in enumerate(matrix):
                writer.writerow([labels[q], *(f"{weight:.8g}" for weight in row)])
    json_path = folder / f"{stem}.json"
    payload = {  # "matrix" is the layer's head; "view_matrix" what a one-matrix view shows
        **api_payload(result, choice),
        "view": view,
        "title": view_title(result, view, layer, head),
        "view_matrix": current_matrix(result, view, layer, head).tolist(),
    }
    json_path.write_text(json.dumps(payload), encoding="utf-8")
    return [str(html_path), str(csv_path), str(json_path)]


def api_payload(result: AttentionResult, choice: HeadChoice) -> dict[str, Any]:
    """The ``/attention`` endpoint's answer: one head's matrix with its tokens."""
    layer, head = result.checked_head(choice)
    return {
        "model": result.model_name,
        "layer": layer,
        "head": head,
        "layers": result.layers,
        "heads": result.heads,
        "tokens": list(result.labels),
        "token_ids": list(result.token_ids),
        "matrix": result.attentions[layer, head].tolist(),
        "total_tokens": result.total_tokens,
        "truncated": result.truncated,
        "kept_text": result.kept_text,
        "token_cap": TOKEN_CAP,
    }
