"""Drift view: the same sentences as the base model and the fine-tuned model represent them.

Each sentence becomes one vector per model: the mean over its tokens of the language model's last
hidden layer, centred on the base model's mean vector over all the sentences, then scaled to unit
length. Centring matters: raw hidden states of a language model share one large common direction
(any two different sentences have a cosine of about 0.8 for SmolLM2), which would make every
sentence look unchanged; after centring, two different sentences average about 0 and a sentence the
fine-tune did not touch stays at 1. The base and tuned vectors of all sentences are mapped together
(UMAP through models/embeddings/projection.py, PCA for very few sentences), so one picture shows how
far fine-tuning moved each sentence and in which direction. The numbers reported beside it are
cosine similarities in the model's full hidden space (576 dimensions for the default model), not
distances read off the map, which a 2-D projection distorts.

The sentences are the held-out examples: their prompts and their answers, so a presenter can
show that the answers, written in the new style, moved more than the questions.

Not here: training (models/finetune/training.py), drawing the map (components/finetune/plots.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.embeddings.projection import ProjectionSettings, project
from models.errors import InvalidInputError
from models.finetune.data import Example
from models.finetune.settings import TrainedAdapter
from models.finetune.training import LoraBench

MAX_SENTENCES = 40  # 80 points on the map; about 2 s of forward passes on a laptop CPU
MAX_TOKENS = 96


@dataclass(frozen=True)
class Drift:
    """Base and tuned positions of the same sentences on one map."""

    sentences: list[str]
    groups: list[str]  # "prompt" or "answer", one per sentence
    base_xy: np.ndarray  # (n, 2)
    tuned_xy: np.ndarray  # (n, 2)
    similarity: np.ndarray  # (n,) cosine of each sentence's base and tuned vector
    method: str
    notes: list[str] = field(default_factory=list)

    def mean_similarity(self, group: str) -> float | None:
        chosen = [s for s, g in zip(self.similarity, self.groups, strict=True) if g == group]
        return float(np.mean(chosen)) if chosen else None


def drift_sentences(examples: list[Example]) -> tuple[list[str], list[str]]:
    """(sentences, groups): each held-out example's answer, and its prompt when it has one."""
    sentences, groups = [], []
    for example in examples:
        for text, group in ((example.prompt, "prompt"), (example.response, "answer")):
            if text and text.strip() and len(sentences) < MAX_SENTENCES:
                sentences.append(text.strip())
                groups.append(group)
    return sentences, groups


def sentence_vectors(model: Any, tokenizer: Any, sentences: list[str]) -> np.ndarray:
    """The mean of the last hidden layer over each sentence's tokens (one row per sentence)."""
    import torch

    rows = []
    with torch.no_grad():
        for sentence in sentences:  # one at a time: no padding to mask, and each is short
            ids = tokenizer(sentence, add_special_tokens=False).input_ids[:MAX_TOKENS] or [0]
            out = model(input_ids=torch.tensor([ids]), output_hidden_states=True)
            rows.append(out.hidden_states[-1][0].float().mean(dim=0))
    return torch.stack(rows).numpy()


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)


def measure_drift(bench: LoraBench, adapter: TrainedAdapter, examples: list[Example]) -> Drift:
    """Embed the examples' sentences with the base and the tuned model and map them together."""
    sentences, groups = drift_sentences(examples)
    if len(sentences) < 2:
        raise InvalidInputError("The drift view needs at least 2 held-out sentences.")
    with bench.adapted(None) as base:
        before = sentence_vectors(base, bench.tokenizer, sentences)
    with bench.adapted(adapter) as tuned:
        after = sentence_vectors(tuned, bench.tokenizer, sentences)
    centre = before.mean(axis=0)  # the same centre for both: a shift of the tuned model shows
    before, after = unit_rows(before - centre), unit_rows(after - centre)
    neighbours = max(2, min(15, len(sentences) - 1))
    projection = project(np.vstack([before, after]), ProjectionSettings(n_neighbors=neighbours))
    n = len(sentences)
    return Drift(
        sentences=sentences,
        groups=groups,
        base_xy=projection.coords[:n],
        tuned_xy=projection.coords[n:],
        similarity=(before * after).sum(axis=1),
        method=projection.method,
        notes=projection.notes,
    )
