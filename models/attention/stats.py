"""Numbers computed from extracted attention weights ([layers, heads, seq, seq] float32 arrays):
per-head summaries for the layer x head overview, head averages, attention rollout, token focus.

Pure numpy on arrays from models/attention/extraction.py; nothing here runs a model or draws a plot.
"""

from __future__ import annotations

import numpy as np

# Per-head summaries: name -> (what it measures, for the UI's legend).
HEAD_SCORES = {
    "entropy": "mean entropy of a row, in bits: low = sharp, focused head; high = spread out",
    "previous token": "mean attention from each token to the token just before it",
    "first token": "mean attention to the first token (an 'attention sink' many heads park on)",
    "self": "mean attention from each token to itself",
    "induction": "mean attention from a repeated token to the token that followed its earlier "
    "copy (how a model continues a pattern it has seen)",
}


def row_entropy(attentions: np.ndarray) -> np.ndarray:
    """Entropy in bits of every attention row: [..., seq, seq] -> [..., seq]."""
    p = attentions.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(p), 0.0)
    return -terms.sum(axis=-1)


def induction_pairs(token_ids: tuple[int, ...] | list[int]) -> list[tuple[int, int]]:
    """(query, key) pairs an induction head attends along: each position whose token occurred
    before points at the position right after that token's latest earlier occurrence."""
    last_seen: dict[int, int] = {}
    pairs = []
    for position, token in enumerate(token_ids):
        earlier = last_seen.get(token)
        if earlier is not None and earlier + 1 < position:
            pairs.append((position, earlier + 1))
        last_seen[token] = position
    return pairs


def head_scores(
    attentions: np.ndarray, score: str, token_ids: tuple[int, ...] | list[int] = ()
) -> np.ndarray:
    """One number per (layer, head), [layers, heads], for a score named in HEAD_SCORES
    (``token_ids`` are needed by the induction score only)."""
    seq = attentions.shape[-1]
    if score == "induction":
        pairs = induction_pairs(token_ids)
        if not pairs:
            return np.zeros(attentions.shape[:2])
        queries, keys = (np.array(side) for side in zip(*pairs, strict=True))
        return attentions[..., queries, keys].mean(axis=-1)
    if score == "entropy":
        return row_entropy(attentions).mean(axis=-1)
    if score == "previous token":
        if seq < 2:
            return np.zeros(attentions.shape[:2])
        rows = np.arange(1, seq)
        return attentions[..., rows, rows - 1].mean(axis=-1)
    if score == "first token":
        return attentions[..., 1:, 0].mean(axis=-1) if seq > 1 else attentions[..., 0, 0]
    if score == "self":
        return np.diagonal(attentions, axis1=-2, axis2=-1).mean(axis=-1)
    raise ValueError(f"Unknown head score {score!r}; known: {', '.join(HEAD_SCORES)}.")


def mean_over_heads(attentions: np.ndarray, layer: int) -> np.ndarray:
    """The average of one layer's heads, [seq, seq]; rows still sum to 1."""
    return attentions[layer].mean(axis=0)


def rollout(attentions: np.ndarray, up_to_layer: int) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema, 2020) through layers 0..up_to_layer, [seq, seq].

    Each layer's head average is mixed half-and-half with the identity (the residual stream
    carries every token past attention) and renormalised; the product over layers estimates how
    much each input token flows into each position. Rows sum to 1; causal masks survive."""
    seq = attentions.shape[-1]
    identity = np.eye(seq)
    flow = identity.copy()
    for layer in range(up_to_layer + 1):
        mixed = 0.5 * attentions[layer].astype(np.float64).mean(axis=0) + 0.5 * identity
        mixed /= mixed.sum(axis=-1, keepdims=True)
        flow = mixed @ flow
    return flow.astype(np.float32)


def token_focus(attentions: np.ndarray, position: int, head: int | None) -> np.ndarray:
    """What token ``position`` attends to in every layer, [layers, seq]: one head's row, or the
    mean over heads when ``head`` is None."""
    rows = attentions[:, :, position, :]
    return rows.mean(axis=1) if head is None else rows[:, head, :]


def top_heads(scores: np.ndarray, score: str, count: int = 5) -> list[tuple[int, int, float]]:
    """The ``count`` (layer, head, value) of a head_scores array with the highest score (the
    lowest, for entropy: the sharpest heads)."""
    order = np.argsort(scores, axis=None, kind="stable")
    if score != "entropy":
        order = order[::-1]
    picks = [np.unravel_index(i, scores.shape) for i in order[:count]]
    return [(int(layer), int(head), float(scores[layer, head])) for layer, head in picks]
