"""The exact fp32 decode loop of the Text tab's transformers path: a lean, hand-written loop.

A 135M-parameter decoder generating one token at a time spends most of ``generate``'s time in
Python around tiny matmuls. Here: q/k/v and gate/up projections fused into one matmul each, a
preallocated KV cache, and a loop with no logits processors, masks or cache objects, on the
model's own fp32 weights (no copy). Llama-architecture models (SmolLM2, Llama, TinyLlama, ...) get
the hand-written loop; any other causal LM runs through its own forward with a KV cache; a model
on a GPU keeps its own weights.

The fast path is llama.cpp (models/text/backends/llamacpp.py): an int8 loop that lived here was
removed once llama.cpp beat it on this box in a hall of users (1.8x aggregate tokens/s) and
matched fp32's greedy text longer (2 of 3 chat prompts against 1 of 3).

tests/test_text.py checks this loop against the transformers forward (1e-5).

Not here: sampling (models/text/sampler.py) or the generation loop (models/text/generation.py).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, ClassVar

import torch
import torch.nn.functional as F

LLAMA_LIKE = {"llama"}
# One intra-op thread for decoding: one token's matmuls are too small to gain from more, and on a
# shared CPU extra OpenMP threads stall waiting for each other (10x slower on a busy 2-core box).
DECODE_THREADS = 1


@contextlib.contextmanager
def intra_op_threads(count: int):
    """Run a block with ``count`` torch threads. torch's setting is per OS thread, and Gradio runs
    each step of a generator on some worker thread, so it is set and restored around each call."""
    previous = torch.get_num_threads()
    if previous == count:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class FloatLinear:
    """y = x @ W.T (+ b), sharing the model's weight tensor (no copy)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> None:
        self.weight = weight.detach()
        self.bias = None if bias is None else bias.detach()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)


class ConcatLinear:
    """Several Linear layers applied to one input, outputs concatenated (one matmul's worth of
    calls fewer per layer), sharing the model's own weight tensors (no copy)."""

    def __init__(self, *layers: torch.nn.Linear) -> None:
        self.parts = [FloatLinear(layer.weight, layer.bias) for layer in layers]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([part(x) for part in self.parts], dim=-1)

    @property
    def weight(self) -> torch.Tensor:
        return torch.cat([part.weight for part in self.parts], dim=0)

    @property
    def bias(self) -> torch.Tensor | None:
        if all(part.bias is None for part in self.parts):
            return None
        return torch.cat(
            [torch.zeros(p.weight.shape[0]) if p.bias is None else p.bias for p in self.parts]
        )


class _Projections:
    """One layer's matmuls: fused q|k|v, o, fused gate|up, down (views of the model's weights)."""

    def __init__(self, layer: Any) -> None:
        attn, mlp = layer.self_attn, layer.mlp
        self.qkv: Any = ConcatLinear(attn.q_proj, attn.k_proj, attn.v_proj)
        self.o: Any = FloatLinear(attn.o_proj.weight, attn.o_proj.bias)
        self.gate_up: Any = ConcatLinear(mlp.gate_proj, mlp.up_proj)
        self.down: Any = FloatLinear(mlp.down_proj.weight, mlp.down_proj.bias)

    def linears(self) -> list[Any]:
        return [self.qkv, self.o, self.gate_up, self.down]


class _LlamaLayer:
    def __init__(self, layer: Any) -> None:
        self.proj = _Projections(layer)
        self.norm1 = layer.input_layernorm.weight.detach()
        self.norm2 = layer.post_attention_layernorm.weight.detach()


class LlamaDecoder:
    """A Llama forward pass written out for one sequence, with a preallocated KV cache.

    ``start(ids)`` runs the prompt and returns its last-position logits (or all positions');
    ``step(token_id)`` appends one token and returns its logits. One decoder = one sequence:
    make a new one per generation (they share the model's weights, which are read-only).
    """

    def __init__(self, weights: LlamaWeights, max_len: int) -> None:
        self.w = weights
        cfg = weights.config
        shape = (cfg.num_hidden_layers, 1, weights.kv_heads, max_len, weights.head_dim)
        # empty, not zeros: a position is always written before it is read, and zero-filling
        # (page faults included) costs tens of milliseconds of the first token's latency.
        self.keys = torch.empty(shape)
        self.values = torch.empty(shape)
        self.max_len = max_len
        self.length = 0
        self.cos, self.sin = weights.rope_tables(max_len)

    def start(self, ids: list[int], all_logits: bool = False) -> torch.Tensor:
        self.length = 0
        with intra_op_threads(DECODE_THREADS):
            return self._forward(torch.tensor([ids]), all_logits)

    def step(self, token_id: int) -> torch.Tensor:
        with intra_op_threads(DECODE_THREADS):
            return self._forward(torch.tensor([[token_id]]), False)

    def _rms(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        variance = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(variance + self.w.eps) * weight

    def _rope(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        half = x.shape[-1] // 2
        rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return x * cos + rotated * sin

    @torch.inference_mode()
    def _forward(self, ids: torch.Tensor, all_logits: bool) -> torch.Tensor:
        w, count = self.w, ids.shape[1]
        start, end = self.length, self.length + count
        if end > self.max_len:
            raise ValueError(f"Sequence of {end} tokens exceeds this decoder's {self.max_len}.")
        heads, kv_heads, head_dim = w.heads, w.kv_heads, w.head_dim
        cos, sin = self.cos[start:end], self.sin[start:end]
        x = w.embed[ids]  # [1, T, D]
        for index, layer in enumerate(w.layers):
            proj = layer.proj
            h = self._rms(x, layer.norm1)
            q, k, v = proj.qkv(h).split(
                [heads * head_dim, kv_heads * head_dim, kv_heads * head_dim], dim=-1
            )
            q = self._rope(q.view(1, count, heads, head_dim).transpose(1, 2), cos, sin)
            k = self._rope(k.view(1, count, kv_heads, head_dim).transpose(1, 2), cos, sin)
            self.keys[index, :, :, start:end] = k
            self.values[index, :, :, start:end] = v.view(1, count, kv_heads, head_dim).transpose(
                1, 2
            )
            attended = F.scaled_dot_product_attention(
                q,
                self.keys[index, :, :, :end],
                self.values[index, :, :, :end],
                is_causal=count > 1,  # prefill starts from an empty cache, so plain causal
                enable_gqa=heads != kv_heads,
            )
            x = x + proj.o(attended.transpose(1, 2).reshape(1, count, heads * head_dim))
            gate, up = proj.gate_up(self._rms(x, layer.norm2)).chunk(2, dim=-1)
            x = x + proj.down(F.silu(gate) * up)
        self.length = end
        x = self._rms(x if all_logits else x[:, -1:], w.final_norm)
        return w.lm_head(x)[0].float()  # [T, vocab] or [1, vocab]


class LlamaWeights:
    """A Llama model's weights arranged for LlamaDecoder: fused views, no copies."""

    def __init__(self, model: Any) -> None:
        cfg = model.config
        inner = model.model
        self.config = cfg
        self.heads = cfg.num_attention_heads
        self.kv_heads = cfg.num_key_value_heads or cfg.num_attention_heads
        self.head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // self.heads
        self.eps = cfg.rms_norm_eps
        self.embed = inner.embed_tokens.weight.detach()
        self.layers = [_LlamaLayer(layer) for layer in inner.layers]
        self.final_norm = inner.norm.weight.detach()
        head_bias = getattr(model.lm_head, "bias", None)
        self.lm_head = FloatLinear(model.lm_head.weight, head_bias)
        self.rotary = inner.rotary_emb
        self._rope_lock = threading.Lock()
        self._cos = self._sin = torch.zeros(0, self.head_dim)

    def rope_tables(self, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """cos/sin for positions 0..length-1 from the model's own RoPE (scaling included),
        computed once and grown on demand rather than per generation."""
        with self._rope_lock:
            if self._cos.shape[0] < length:
                positions = torch.arange(max(length, 2 * self._cos.shape[0]))[None]
                cos, sin = self.rotary(torch.zeros(1), positions)
                self._cos, self._sin = cos[0], sin[0]
            return self._cos[:length], self._sin[:length]

    def decoder(self, max_len: int) -> LlamaDecoder:
        return LlamaDecoder(self, max_len)


class CachedForwardDecoder:
    """Any causal LM through its own forward with a KV cache: the fallback for non-Llama models."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.cache: Any = None

    @torch.inference_mode()
    def start(self, ids: list[int], all_logits: bool = False) -> torch.Tensor:
        from transformers import DynamicCache

        self.cache = DynamicCache(config=self.model.config)
        device = next(self.model.parameters()).device
        out = self.model(torch.tensor([ids], device=device), past_key_values=self.cache)
        logits = out.logits[0] if all_logits else out.logits[0, -1:]
        return logits.float().cpu()

    @torch.inference_mode()
    def step(self, token_id: int) -> torch.Tensor:
        device = next(self.model.parameters()).device
        out = self.model(torch.tensor([[token_id]], device=device), past_key_values=self.cache)
        return out.logits[0, -1:].float().cpu()


class DecodeLoop:
    """Factory of per-generation decoders for one model, built once per process and shared."""

    _built: ClassVar[dict[int, DecodeLoop]] = {}  # by id(model): one each
    _lock = threading.Lock()

    def __init__(self, model: Any) -> None:
        on_cpu = next(model.parameters()).device.type == "cpu"
        self.llama = (
            LlamaWeights(model) if model.config.model_type in LLAMA_LIKE and on_cpu else None
        )
        self.model = model
        self.description = "hand-written KV-cache loop" if self.llama else "model forward"

    @classmethod
    def for_model(cls, model: Any) -> DecodeLoop:
        """The shared decode loop of this model, built on first use (well under a second)."""
        with cls._lock:  # one build per model even when users click at the same moment
            built = cls._built.get(id(model))
            if built is None or built.model is not model:
                built = cls(model)
                cls._built[id(model)] = built
            return built

    def new_sequence(self, max_len: int) -> LlamaDecoder | CachedForwardDecoder:
        if self.llama is not None:
            return self.llama.decoder(max_len)
        return CachedForwardDecoder(self.model)
