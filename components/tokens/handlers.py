"""Handlers of the Tokens tab: plain functions from widget values to results, testable without a
browser. The splitting itself is models/text/tokenizer_lens.py; drawing is plots.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import plotly.graph_objects as go

from components.tokens.exports import tokens_csv
from components.tokens.plots import counts_figure, lens_html, summary_rows
from models.errors import PlaygroundError
from models.registry import Registry
from models.text.tokenizer_lens import (
    DEFAULT_LENS,
    SAMPLES,
    lens_choices,
    resolve_key,
    tokenizer_lens,
)


def tokenizer_choices(registry: Registry) -> list[tuple[str, str]]:
    """(label, key) of the tokenizers this server can load now (hub-only models offline are
    left out: their tokenizer cannot be read)."""
    names = set(registry.names())
    return [(label, key) for label, key in lens_choices(registry)
            if key not in names or not registry.needs_hub(key)]  # fmt: skip


def default_tokenizers(registry: Registry) -> list[str]:
    keys = {key for _, key in tokenizer_choices(registry)}
    found = []
    for alias in DEFAULT_LENS:
        try:
            key = resolve_key(registry, alias)
        except PlaygroundError:  # a registry without a decoder or an embedder: skip that alias
            continue
        if key in keys:
            found.append(key)
    return found


@lru_cache(maxsize=8)
def _sample_counts(registry: Registry, keys: tuple[str, ...]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for form, sentence in SAMPLES.items():
        for view in tokenizer_lens(registry, sentence, list(keys)).views:
            if view.available:
                counts.setdefault(view.label, {})[form] = view.count
    return counts


def run_lens(
    registry: Registry, text: str, tokenizers: Sequence[str] | None
) -> tuple[str, list[list[object]], go.Figure, str]:
    """(tokens as HTML, summary rows, five-forms chart, CSV of every token) for /tokenizer_lens."""
    result = tokenizer_lens(registry, text, list(tokenizers) if tokenizers else None)
    keys = tuple(view.key for view in result.views)
    return (
        lens_html(result),
        summary_rows(result),
        counts_figure(_sample_counts(registry, keys)),
        str(tokens_csv(result)),  # Gradio's File takes a string path
    )
