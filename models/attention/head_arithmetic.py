"""One attention head's arithmetic, with the live model's numbers: for a chosen layer, head and
query token, the query and key vectors (after RoPE), the q·k dot products, their scaling by
1/sqrt(d), the causal mask, the softmax and the weighted sum of the value vectors.

The numbers are recomputed by hand from the layer's input hidden state: input norm, the q/k/v
projections, the rotary embedding of the model's own ``rotary_emb`` (so RoPE scaling variants
come along), grouped-query attention (SmolLM2: 9 query heads share 3 key/value heads, so query
head h reads key/value head h // 3), and q/k norms where the architecture has them (Qwen 3).
The softmax row equals the Attention tab's heatmap row (``extract_attention`` in
models/attention/extraction.py), which tests/test_head_arithmetic.py checks to 1e-5, and the
weighted sum equals what the layer feeds its output projection.

Per text, one pass of the eager twin (the one the heatmap uses) keeps every layer's input hidden
state ([layers + 1, tokens, width], ~9 MB at 128 tokens); a head's arithmetic is then three small
projections. Supported: Llama-style decoders (q_proj/k_proj/v_proj and a rotary embedding).
Not here: drawing, or encoders (their attention has no causal mask or RoPE to show).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from models.attention.cache import AttentionCache
from models.attention.extraction import (
    MAX_INDEX,
    TOKEN_CAP,
    eager_twin,
    token_labels,
    tokenize_capped,
)
from models.errors import InvalidInputError
from models.registry import Registry
from models.settings import Settings, setting
from models.text.view_input import check_index, load_decoder

VIEW = "one head's arithmetic"
HEAD_CACHE_SIZE = 4  # texts; ~9 MB each for SmolLM2 at the 128-token cap
LAST = -1  # the query position that means "the last token"


@dataclass(frozen=True)
class ArithmeticQuery(Settings):
    """The query token whose attention the arithmetic follows: declared once, read by the API
    (``/head_arithmetic``) and the view (where the token focus picks it)."""

    query: int = setting(
        LAST, low=LAST, high=MAX_INDEX, label="Query token", noun="query token",
        help="its position, from 0; -1: the last token",
    )  # fmt: skip

    def position(self, tokens: int) -> int:
        """The query's position in a text of ``tokens`` tokens (-1: the last one)."""
        return tokens - 1 if self.query == LAST else self.query


@dataclass(frozen=True)
class HeadInputs:
    """What a text leaves behind for the arithmetic: each layer's input hidden state."""

    model_name: str
    token_ids: tuple[int, ...]
    labels: tuple[str, ...]
    hidden: torch.Tensor  # float32 [layers + 1, T, D]; hidden[l] is layer l's input
    total_tokens: int


@dataclass(frozen=True)
class HeadArithmetic:
    model_name: str
    layer: int
    head: int
    kv_head: int  # the key/value head this query head reads (grouped-query attention)
    query: int  # position of the query token
    labels: tuple[str, ...]  # every token of the text; keys are 0 .. query
    head_dim: int
    scale: float  # what the dot products are multiplied by: 1 / sqrt(head_dim)
    q: np.ndarray  # [d] the query vector after RoPE
    keys: np.ndarray  # [T, d] key vectors after RoPE
    values: np.ndarray  # [T, d]
    q_before_rope: np.ndarray  # [d]
    keys_before_rope: np.ndarray  # [T, d]
    dots: np.ndarray  # [T] q · k_j
    scaled: np.ndarray  # [T] dots * scale
    masked: np.ndarray  # [T] scaled, -inf where j > query (a token cannot see the future)
    weights: np.ndarray  # [T] softmax(masked): the heatmap's row
    output: np.ndarray  # [d] sum_j weights[j] * values[j]
    notice: str = ""


_cache = AttentionCache(HEAD_CACHE_SIZE)  # generic (model, text) -> value memo


def _layers(lm: Any) -> Any:
    inner = getattr(lm.model, "model", None)
    layers = getattr(inner, "layers", None)
    first = getattr(layers[0], "self_attn", None) if layers is not None and len(layers) else None
    if first is None or not all(
        hasattr(first, name) for name in ("q_proj", "k_proj", "v_proj", "o_proj")
    ):
        raise InvalidInputError(
            f"{VIEW.capitalize()} knows Llama-style attention (q_proj, k_proj, v_proj and a "
            "rotary embedding), which this model does not have; pick another decoder."
        )
    if getattr(inner, "rotary_emb", None) is None:
        raise InvalidInputError(
            f"This model has no rotary embedding, which {VIEW} expects; pick a Llama-style decoder."
        )
    return inner


def head_inputs(registry: Registry, model_name: Any, text: Any) -> HeadInputs:
    """Every layer's input hidden state for ``text`` (cached per model and text); the tokens are
    exactly those of the attention heatmap (same tokenizer call, same TOKEN_CAP)."""
    name, lm = load_decoder(registry, model_name, VIEW)
    _layers(lm)
    key = text if isinstance(text, str) else repr(text)
    return _cache.get(name, key, lambda: _compute_inputs(name, lm, text))  # type: ignore[arg-type]


@torch.inference_mode()
def _compute_inputs(name: str, lm: Any, text: Any) -> HeadInputs:
    ids, total = tokenize_capped(lm.tokenizer, text, TOKEN_CAP)
    twin = eager_twin(lm.model.base_model)  # the heatmap's network: same numbers, same kernels
    device = next(twin.parameters()).device
    input_ids = torch.tensor([ids], device=device)
    output = twin(
        input_ids=input_ids,
        attention_mask=torch.ones_like(input_ids),
        output_hidden_states=True,
        use_cache=False,
    )
    # hidden_states[l] is layer l's input for l < L; the last entry (normed output) is not one
    hidden = torch.stack([h[0] for h in output.hidden_states[:-1]]).float().cpu()
    return HeadInputs(name, tuple(ids), tuple(token_labels(lm.tokenizer, ids)), hidden, total)


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin


@torch.inference_mode()
def head_arithmetic(
    registry: Registry, model_name: Any, text: Any, layer: Any, head: Any, query: Any
) -> HeadArithmetic:
    """The arithmetic of one head for one query token (indexes count from 0)."""
    inputs = head_inputs(registry, model_name, text)
    _, lm = load_decoder(registry, inputs.model_name, VIEW)
    inner = _layers(lm)
    config = lm.model.config
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    layer_i = check_index(layer, inputs.hidden.shape[0], "layer")
    head_i = check_index(head, heads, "head")
    query_i = check_index(query, len(inputs.token_ids), "query token")
    block = inner.layers[layer_i]
    attention = block.self_attn
    param = next(attention.parameters())
    x = inputs.hidden[layer_i].to(device=param.device, dtype=param.dtype)  # [T, D]
    count = x.shape[0]
    normed = block.input_layernorm(x)
    head_dim = getattr(attention, "head_dim", None) or config.hidden_size // heads
    q = attention.q_proj(normed).view(count, heads, head_dim)
    k = attention.k_proj(normed).view(count, kv_heads, head_dim)
    v = attention.v_proj(normed).view(count, kv_heads, head_dim)
    if getattr(attention, "q_norm", None) is not None:  # Qwen 3 normalises q and k per head
        q, k = attention.q_norm(q), attention.k_norm(k)
    positions = torch.arange(count, device=x.device)[None]
    cos, sin = inner.rotary_emb(x[None], position_ids=positions)  # [1, T, d] each
    cos, sin = cos[0][:, None, :], sin[0][:, None, :]
    q_rot, k_rot = _rotate(q, cos, sin), _rotate(k, cos, sin)
    kv = head_i // (heads // kv_heads)
    scale = float(getattr(attention, "scaling", None) or 1 / math.sqrt(head_dim))
    query_vec = q_rot[query_i, head_i].float()
    keys = k_rot[:, kv].float()
    values = v[:, kv].float()
    dots = keys @ query_vec
    scaled = dots * scale
    future = torch.arange(count, device=x.device) > query_i
    masked = scaled.masked_fill(future, float("-inf"))
    weights = torch.softmax(masked, dim=-1)
    output = weights @ values

    def arr(t: torch.Tensor) -> np.ndarray:
        return t.detach().float().cpu().numpy()

    notice = ""
    if inputs.total_tokens > count:
        notice = (
            f"The text is {inputs.total_tokens:,} tokens long; only its first {count:,} are "
            "used (the Attention tab's limit)."
        )
    return HeadArithmetic(
        model_name=inputs.model_name,
        layer=layer_i,
        head=head_i,
        kv_head=kv,
        query=query_i,
        labels=inputs.labels,
        head_dim=head_dim,
        scale=scale,
        q=arr(query_vec),
        keys=arr(keys),
        values=arr(values),
        q_before_rope=arr(q[query_i, head_i]),
        keys_before_rope=arr(k[:, kv]),
        dots=arr(dots),
        scaled=arr(scaled),
        masked=arr(masked),
        weights=arr(weights),
        output=arr(output),
        notice=notice,
    )
