"""The logit lens: what each layer of a decoder would predict if it were the last one.

For every position of a text and every layer, the layer's hidden state goes through the model's
own final norm and unembedding (lm_head), and the top tokens of the resulting distribution are
kept: a (layers + 1) x positions grid of "best guess and its probability", with the top 5 of any
cell. Row 0 is the token embeddings (before any layer), row L the model's real output.

transformers returns ``hidden_states`` with the final norm already applied to the *last* entry
(it is ``last_hidden_state``), so that row gets the unembedding only; every earlier row gets norm
and unembedding. tests/test_logit_lens.py checks the last row against the model's own logits and
the other rows against hidden states caught with hooks and normed by hand.

Cost: one forward pass, then (L+1) x positions unembeddings over the whole vocabulary (for
SmolLM2 31 x 40 x 49,152 multiply-adds x 576), in fp32 (bf16 moved top-1 probabilities by up
to 0.1), in blocks of up to 1,024 rows, each reduced in place (top 5, log-sum-exp) so memory
stays bounded. Not here: plots or UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from models.attention.extraction import token_labels
from models.registry import Registry
from models.sentences import sentence
from models.text.causal_lm import CausalLM
from models.text.view_input import check_index, load_decoder, tokenize_for_view

LOGIT_LENS_TOKEN_CAP = 64  # positions; 40 tokens take ~1 s on a 2-core CPU
TOP_K = 5
UNEMBED_ROWS = 1024  # rows per unembedding block: one big matmul is fastest, 200 MB at most
VIEW = "the logit lens"


@dataclass(frozen=True)
class LensCell:
    token_id: int
    label: str
    probability: float


@dataclass(frozen=True)
class LogitLens:
    """The grid: ``top_ids[row, position, k]`` and ``top_probs`` (k-th best guess)."""

    model_name: str
    token_ids: tuple[int, ...]  # the input tokens
    labels: tuple[str, ...]  # readable input tokens
    row_names: tuple[str, ...]  # "embeddings", "layer 1" ... "layer L (output)"
    top_ids: np.ndarray  # int64 [rows, positions, TOP_K]
    top_probs: np.ndarray  # float32 [rows, positions, TOP_K]
    top_labels: tuple[tuple[str, ...], ...]  # readable best guess per cell [rows][positions]
    total_tokens: int
    notice: str = ""
    tokenizer: Any = None  # for the labels of a clicked cell's top 5

    @property
    def rows(self) -> int:
        return self.top_ids.shape[0]

    @property
    def positions(self) -> int:
        return self.top_ids.shape[1]

    def cell(self, row: Any, position: Any) -> list[LensCell]:
        """The top 5 of one cell (row = 0 for embeddings ... L for the output), most likely
        first; the guess at ``position`` is for the token after it."""
        r = check_index(row, self.rows, "layer row")
        p = check_index(position, self.positions, "position")
        ids = [int(i) for i in self.top_ids[r, p]]
        labels = token_labels(self.tokenizer, ids) if self.tokenizer is not None else []
        return [
            LensCell(i, labels[k] if labels else str(i), float(self.top_probs[r, p, k]))
            for k, i in enumerate(ids)
        ]


@torch.inference_mode()
def logit_lens_ids(lm: CausalLM, ids: list[int], k: int = TOP_K) -> tuple[np.ndarray, np.ndarray]:
    """(top_ids, top_probs) [L+1, T, k] for a list of token ids (no cap, no checks)."""
    model = lm.model
    output = model.model(
        input_ids=torch.tensor([ids], device=model.device),
        output_hidden_states=True,
        use_cache=False,
    )
    states = output.hidden_states  # L+1 tensors [1, T, D]; the last one is already normed
    norm = model.model.norm
    normed = torch.cat([norm(s[0]) for s in states[:-1]] + [states[-1][0]])  # [(L+1) * T, D]
    weight, bias = model.lm_head.weight, getattr(model.lm_head, "bias", None)
    ids_out, probs_out = [], []
    for start in range(0, normed.shape[0], UNEMBED_ROWS):
        logits = torch.mm(normed[start : start + UNEMBED_ROWS].float(), weight.float().T)
        if bias is not None:
            logits += bias.float()
        top = torch.topk(logits, k, dim=-1)
        # log-sum-exp in place (the [rows, vocab] block is the biggest thing here): the top
        # logit is the row maximum, so exp never overflows.
        peak = top.values[:, :1]
        log_total = logits.sub_(peak).exp_().sum(-1, keepdim=True).log_() + peak
        ids_out.append(top.indices.cpu())
        probs_out.append((top.values - log_total).exp().cpu())
    shape = (len(states), len(ids), k)
    return (
        torch.cat(ids_out).reshape(shape).numpy().astype(np.int64),
        torch.cat(probs_out).reshape(shape).numpy().astype(np.float32),
    )


def logit_lens(registry: Registry, model_name: Any, text: Any) -> LogitLens:
    """The logit lens of ``text`` under a registry decoder (cut to LOGIT_LENS_TOKEN_CAP)."""
    name, lm = load_decoder(registry, model_name, VIEW)
    prepared = tokenize_for_view(lm, text, LOGIT_LENS_TOKEN_CAP, VIEW)
    top_ids, top_probs = logit_lens_ids(lm, prepared.ids)
    best = top_ids[:, :, 0]
    flat = token_labels(lm.tokenizer, best.reshape(-1).tolist())
    positions = best.shape[1]
    grid = tuple(tuple(flat[r * positions : (r + 1) * positions]) for r in range(best.shape[0]))
    layers = best.shape[0] - 1
    names = (
        sentence("embeddings"),
        *(sentence("layer {n}", n=i) for i in range(1, layers)),
        sentence("layer {n} (output)", n=layers),
    )
    return LogitLens(
        model_name=name,
        token_ids=tuple(prepared.ids),
        labels=tuple(token_labels(lm.tokenizer, prepared.ids)),
        row_names=names,
        top_ids=top_ids,
        top_probs=top_probs,
        top_labels=grid,
        total_tokens=prepared.total,
        notice=prepared.notice,
        tokenizer=lm.tokenizer,
    )
