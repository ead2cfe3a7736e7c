"""Text tab presentation helpers: probability colours, token records, charts and tables.

Plain functions from model results to what the components show (no model math, no gradio objects),
so they are testable without a browser. The Text tab's wiring is in components/text/tab.py.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import torch

from components.i18n import here
from models.sentences import Joined, joined, paragraphs, sentence
from models.text.generation import (
    Generation,
    NextTokenDistribution,
    ScoredToken,
    visible_token,
)
from models.text.sampler import entropy_bits, kept_count, top_alternatives

# (lower bound, label, colour): the model's probability for the token it wrote.
BUCKETS = [
    (0.9, "≥ 90%", "#1a9850"),
    (0.5, "50–90%", "#91cf60"),
    (0.2, "20–50%", "#fee08b"),
    (0.05, "5–20%", "#fc8d59"),
    (0.0, "< 5%", "#d73027"),
]
NO_NUMBER = ("no probability", "#d4d4d4")  # a server that returned none for a token
COLOR_MAP = {label: colour for _, label, colour in BUCKETS} | dict([NO_NUMBER])
TABLE_HEADERS = ["token", "model", "sampler"]  # probability: raw, then after the sampler
TABLE_WIDTHS = ["44%", "28%", "28%"]


# How a status line that is not a run's last one starts (components/text/handlers.py thins
# these out; the catalogue in components/locales/ translates "Generating… seed **{seed}**").
STREAMING = "Generating… "


def probability_bucket(probability: float | None) -> str:
    if probability is None:
        return NO_NUMBER[0]
    for lower, label, _ in BUCKETS:
        if probability >= lower:
            return label
    return BUCKETS[-1][1]


def token_records(scored: list[ScoredToken], tokenizer: Any) -> list[dict[str, Any]]:
    """Per-token data kept in the user's session (gr.State): plain JSON-able values."""
    return [
        {
            "token_id": token.token_id,
            "piece": token.piece,
            "token": visible_token(tokenizer, token.token_id),
            "probability": token.probability,
            "sampler_probability": token.sampler_probability,
            "alternatives": [
                [
                    visible_token(tokenizer, alt.token_id),
                    alt.model_probability,
                    alt.sampler_probability,
                ]
                for alt in token.alternatives
            ],
            "alternative_ids": [alt.token_id for alt in token.alternatives],  # for branching
        }
        for token in scored
    ]


def highlighted(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(text piece, probability bucket) pairs for gr.HighlightedText, one per token."""
    return [(r["piece"], probability_bucket(r["probability"])) for r in records]


def percent(probability: float | None) -> str:
    """One format for every probability shown: "12.3%", "0.082%" (two significant digits
    below 0.1%), "< 0.01%" for what no reader could tell from zero, "0.0%", and "—" for a
    number the engine did not give."""
    if probability is None:
        return "—"
    if probability >= 0.001:
        return f"{probability:.1%}"
    if probability >= 0.0001:
        return f"{probability * 100:.2g}%"
    return "0.0%" if probability <= 0 else "< 0.01%"


def alternatives_table(record: dict[str, Any]) -> list[list[str]]:
    return [[token, percent(p), percent(ps)] for token, p, ps in record["alternatives"]]


def alternatives_title(record: dict[str, Any], index: int) -> str:
    return sentence(
        "**Token {n}: `{token}`**: the model gave it **{model}**; after the sampler settings it "
        "had **{sampler}**. The model's top choices here:",
        n=index + 1,
        token=record["token"],
        model=percent(record["probability"]),
        sampler=percent(record["sampler_probability"]),
    )


def bar_chart(rows: list[tuple[str, float, float]], title: str) -> go.Figure:
    """Grouped horizontal bars: model probability vs after-sampler probability per token."""
    labels = [f"{i + 1}. {token}" for i, (token, _, _) in enumerate(rows)]
    figure = go.Figure()
    figure.add_bar(
        y=labels,
        x=[p for _, p, _ in rows],
        name=here(sentence("model (temperature 1)")),
        orientation="h",
    )
    figure.add_bar(
        y=labels, x=[ps for _, _, ps in rows], name=here(sentence("after sampler")), orientation="h"
    )
    figure.update_layout(
        title=here(title),
        barmode="group",
        xaxis={"title": here(sentence("probability")), "tickformat": ".0%", "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
        height=max(260, 34 * len(rows) + 120),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


EXACT_PATH = "exact fp32, transformers"
ENDED_AT_ONCE = sentence("The model ended its answer at once.")
SCORING = sentence("Scoring tokens with the full-precision model…")


def status_line(
    run: Generation, path: str = EXACT_PATH, left: str = "", streaming: bool = False
) -> Joined:
    """One line about a run: seed, tokens, speed and the engine that wrote it (``path``);
    ``left`` is a time-left estimate (components/eta.py) for a run still going, which
    ``streaming`` marks (its line starts with STREAMING)."""
    seed = (
        sentence("Generating… seed **{seed}**", seed=run.seed)
        if streaming
        else sentence("seed **{seed}**", seed=run.seed)
    )
    line = joined(
        " · ",
        seed,
        sentence("{n} tokens", n=len(run.tokens)),
        sentence("{speed} tokens/s ({path})", speed=f"{run.tokens_per_second:.1f}", path=path),
        sentence("first token {seconds} s", seconds=f"{run.first_token_seconds:.2f}"),
        sentence("ended: {reason}", reason=sentence(run.stop_reason)) if run.finished else "",
        left,
    )
    return paragraphs(line, f"⚠️ {run.notice}" if run.notice else "")


def distribution_rows(
    distribution: NextTokenDistribution, tokenizer: Any, count: int
) -> list[tuple[str, float, float]]:
    alternatives = top_alternatives(distribution.model_probs, distribution.sampler_probs, count)
    return [
        (
            visible_token(tokenizer, alt.token_id),
            alt.model_probability,
            alt.sampler_probability,
        )
        for alt in alternatives
    ]


def distribution_summary(distribution: NextTokenDistribution) -> str:
    before, after = distribution.model_probs, distribution.sampler_probs
    top = float(torch.max(before))
    text = (
        f"Prompt: {distribution.prompt_tokens} tokens. Before the sampler, all "
        f"{before.numel():,} tokens are possible (top token {percent(top)}, uncertainty "
        f"{entropy_bits(before):.2f} bits). After it, **{kept_count(after):,}** can be picked "
        f"(uncertainty {entropy_bits(after):.2f} bits)."
    )
    return text + (f"\n\n⚠️ {distribution.notice}" if distribution.notice else "")
