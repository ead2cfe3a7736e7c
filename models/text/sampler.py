"""The sampler, as pure tensor math: how repetition penalty, temperature, top-k and top-p turn a
model's next-token logits into the distribution a token is actually drawn from.

Everything here works on one position's logits (a 1-D tensor over the vocabulary) and returns
tensors or plain numbers; there is no model, tokenizer or UI here. The Text tab uses the same
functions to generate, to colour tokens and for the next-token explorer, so what it shows is
exactly what it samples from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


def apply_repetition_penalty(
    logits: torch.Tensor, previous_ids: Sequence[int], penalty: float
) -> torch.Tensor:
    """Make tokens already in the text less likely (the CTRL / transformers rule): a positive
    logit is divided by ``penalty``, a negative one multiplied, so 1.0 changes nothing."""
    if penalty == 1.0 or not previous_ids:
        return logits
    seen = torch.tensor(sorted(set(previous_ids)), dtype=torch.long)
    scores = logits[seen]
    penalized = logits.clone()
    penalized[seen] = torch.where(scores > 0, scores / penalty, scores * penalty)
    return penalized


def sampler_probabilities(
    logits: torch.Tensor, temperature: float, top_k: int, top_p: float
) -> torch.Tensor:
    """The distribution the next token is drawn from.

    temperature 0 means greedy: all mass on the most likely token. Otherwise the logits are
    divided by the temperature, only the ``top_k`` most likely tokens are kept (0 keeps all),
    then only the smallest set of those whose probabilities add up to ``top_p`` (1 keeps all),
    and the survivors are renormalised.
    """
    logits = logits.float()
    if temperature <= 0:
        greedy = torch.zeros_like(logits)
        greedy[int(torch.argmax(logits))] = 1.0
        return greedy
    scaled = logits / temperature
    if 0 < top_k < scaled.numel():
        kth_largest = torch.topk(scaled, top_k).values[-1]
        scaled = scaled.masked_fill(scaled < kth_largest, float("-inf"))
    probs = torch.softmax(scaled, dim=-1)
    if top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        mass_before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
        drop_sorted = mass_before >= top_p  # keeps the first token, and stops once top_p is met
        drop = torch.zeros_like(drop_sorted).scatter(0, order, drop_sorted)
        probs = probs.masked_fill(drop, 0.0)
        probs = probs / probs.sum()
    return probs


def sample(probabilities: torch.Tensor, generator: torch.Generator) -> int:
    """Draw one token id; a one-hot (greedy) distribution always gives its token."""
    return int(torch.multinomial(probabilities, 1, generator=generator))


@dataclass(frozen=True)
class Alternative:
    """One candidate at a position: its id, the model's probability, and the sampler's."""

    token_id: int
    model_probability: float
    sampler_probability: float


def top_alternatives(
    model_probs: torch.Tensor, sampler_probs: torch.Tensor, count: int
) -> list[Alternative]:
    """The ``count`` candidates the model found most likely, most likely first."""
    values, ids = torch.topk(model_probs, min(count, model_probs.numel()))
    return [
        Alternative(int(i), float(v), float(sampler_probs[int(i)]))
        for v, i in zip(values.tolist(), ids.tolist(), strict=True)
    ]


def kept_count(sampler_probs: torch.Tensor) -> int:
    """How many tokens the sampler can still pick."""
    return int((sampler_probs > 0).sum())


def entropy_bits(probs: torch.Tensor) -> float:
    """Uncertainty of a distribution in bits (0 = certain)."""
    nonzero = probs[probs > 0]
    return max(0.0, float(-(nonzero * torch.log2(nonzero)).sum()))  # never print "-0.00"
