"""The Text tab's fast CPU decode path: int8 weights and a lean, hand-written decode loop.

Why: a 135M-parameter decoder on a CPU is memory-bandwidth bound (fp32 reads ~540 MB of weights
per token) and ``generate`` adds a lot of Python per step for such a small model. Here:

- every Linear layer, the tied ``lm_head`` included, becomes an fbgemm int8 dynamic-quantized
  matmul (per-output-channel weight scales, activations quantized on the fly): 4x fewer bytes;
- q/k/v and gate/up projections are fused into one matmul each (fewer calls per layer);
- a preallocated KV cache and a loop with no logits processors, masks or cache objects;
- the prompt runs in one bf16 pass (fp32 when the fast path is off), never in int8.

``FastDecoder.for_model`` builds the fast copy once per process per model (lazily, thread-safe)
next to the shared registry model, which is never modified. Llama-architecture models (SmolLM2,
Llama, TinyLlama, ...) get the hand-written loop; any other causal LM falls back to a quantized
copy driven through its own forward with a KV cache (still faster than ``generate``); a model on a
GPU keeps its own weights.

Quality is measured, not assumed: bench/text_decode.py reports perplexity fast vs fp32 and
tests/test_text_fast_decode.py bounds the probability difference against the fp32 model.

Not here: sampling (models/text/sampler.py) or the generation loop (models/text/generation.py).
"""

from __future__ import annotations

import contextlib
import copy
import threading
import warnings
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


SMOOTHING_ALPHA = 0.5  # SmoothQuant's balance between activation and weight outliers
# Calibration text for the activation ranges (not the text bench/text_decode.py measures on).
CALIBRATION_TEXT = (
    "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen. The recipe calls "
    "for two cups of flour, a pinch of salt and 3 eggs; bake at 180 °C for 25 minutes.\n"
    "def add(a, b):\n    return a + b\n"
    "Q: What is the capital of France? A: Paris. In 1969, Apollo 11 landed on the Moon, and "
    "millions watched. ¿Dónde está la biblioteca? 東京は日本の首都です。 Thanks! 😊"
)


class Int8Linear:
    """y = x @ W.T (+ b) with W stored as int8 with one scale per output row (fbgemm).

    fbgemm quantizes the activation x on the fly with one scale for the whole row, so a few
    outlier channels would waste its 8 bits. ``smooth`` (SmoothQuant) moves part of each input
    channel's range into the weight: x' = x / s, W' = W * s, and x' @ W'.T = x @ W.T exactly.
    """

    def __init__(
        self,
        weight: torch.Tensor,
        bias: torch.Tensor | None = None,
        input_max: torch.Tensor | None = None,
    ) -> None:
        weight = weight.detach().float()
        self.inverse_smooth: torch.Tensor | None = None
        if input_max is not None:
            weight_max = weight.abs().amax(dim=0).clamp(min=1e-5)
            smooth = (input_max.clamp(min=1e-5) ** SMOOTHING_ALPHA) / (
                weight_max ** (1 - SMOOTHING_ALPHA)
            )
            smooth = smooth.clamp(min=1e-5)
            weight = weight * smooth[None, :]
            self.inverse_smooth = 1.0 / smooth
        weight = weight.contiguous()
        scales = (weight.abs().amax(dim=1) / 127.0).clamp(min=1e-12).double()
        zeros = torch.zeros(weight.shape[0], dtype=torch.long)
        with warnings.catch_warnings():
            # fbgemm's int8 kernels are the fast CPU path in torch 2.13, but its quantized-tensor
            # constructors warn that they are deprecated: nothing a user can act on.
            warnings.simplefilter("ignore", UserWarning)
            qweight = torch.quantize_per_channel(weight, scales, zeros, 0, torch.qint8)
        b = None if bias is None else bias.detach().float().contiguous()
        self.packed = torch.ops.quantized.linear_prepack(qweight, b)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.inverse_smooth is not None:
            x = x * self.inverse_smooth
        # reduce_range=False: full 8-bit activations (fbgemm uses VNNI/AVX-512 where present).
        return torch.ops.quantized.linear_dynamic(x, self.packed, False)


class FloatLinear:
    """The same interface in plain float, sharing the model's weight tensor (no copy)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> None:
        self.weight = weight.detach()
        self.bias = None if bias is None else bias.detach()
        self.input_max: torch.Tensor | None = None  # filled in only while calibrating
        self.recording = False

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.recording:
            seen = x.detach().abs().reshape(-1, x.shape[-1]).amax(dim=0)
            self.input_max = seen if self.input_max is None else torch.maximum(self.input_max, seen)
        return F.linear(x, self.weight, self.bias)


class BFloat16Linear:
    """A bf16 copy of a float matmul for the prompt pass: several tokens at once make it compute
    bound, and bf16 GEMMs (AVX-512 BF16 / AMX) run ~2.5x faster than fp32 there."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> None:
        self.weight = weight.detach().to(torch.bfloat16)
        self.bias = None if bias is None else bias.detach().to(torch.bfloat16)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x.to(torch.bfloat16), self.weight, self.bias).float()


class ConcatLinear:
    """Several float Linear layers applied to one input, outputs concatenated: the float twin of a
    fused int8 matmul that shares the model's own weight tensors (no copy)."""

    def __init__(self, *layers: torch.nn.Linear) -> None:
        self.parts = [FloatLinear(layer.weight, layer.bias) for layer in layers]
        self.recorder = self.parts[0]  # same input for every part: record it once

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


def _recorder(linear: FloatLinear | ConcatLinear) -> FloatLinear:
    return linear.recorder if isinstance(linear, ConcatLinear) else linear


def _int8_from(linear: FloatLinear | ConcatLinear) -> Int8Linear:
    return Int8Linear(linear.weight, linear.bias, _recorder(linear).input_max)


class _Projections:
    """One layer's matmuls: fused q|k|v, o, fused gate|up, down (float views of the model's
    weights, or int8 copies made from those)."""

    def __init__(self, layer: Any) -> None:
        attn, mlp = layer.self_attn, layer.mlp
        self.qkv: Any = ConcatLinear(attn.q_proj, attn.k_proj, attn.v_proj)
        self.o: Any = FloatLinear(attn.o_proj.weight, attn.o_proj.bias)
        self.gate_up: Any = ConcatLinear(mlp.gate_proj, mlp.up_proj)
        self.down: Any = FloatLinear(mlp.down_proj.weight, mlp.down_proj.bias)

    def linears(self) -> list[Any]:
        return [self.qkv, self.o, self.gate_up, self.down]

    def to_int8(self) -> _Projections:
        int8 = copy.copy(self)
        int8.qkv, int8.o, int8.gate_up, int8.down = (_int8_from(x) for x in self.linears())
        return int8

    def to_bf16(self) -> _Projections:
        bf16 = copy.copy(self)
        bf16.qkv, bf16.o, bf16.gate_up, bf16.down = (
            BFloat16Linear(x.weight, x.bias) for x in self.linears()
        )
        return bf16


class _LlamaLayer:
    def __init__(self, layer: Any) -> None:
        # The prompt (prefill) never runs in int8: fbgemm quantizes activations per call, and
        # one scale over many tokens coarsens them all (+13% perplexity). It runs in fp32, or
        # in bf16 on the fast path (compute bound there; bf16 is ~2.5x faster).
        self.prefill = _Projections(layer)
        self.decode = self.prefill
        self.norm1 = layer.input_layernorm.weight.detach()
        self.norm2 = layer.post_attention_layernorm.weight.detach()


class LlamaDecoder:
    """A Llama forward pass written out for one sequence, with a preallocated KV cache.

    ``start(ids)`` runs the prompt and returns its last-position logits (or all positions');
    ``step(token_id)`` appends one token and returns its logits. One decoder = one sequence:
    make a new one per generation (they share the int8 weights, which are read-only).
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
            proj = layer.prefill if count > 1 else layer.decode
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
        head = w.lm_head_prefill if count > 1 else w.lm_head
        return head(x)[0].float()  # [T, vocab] or [1, vocab]


class LlamaWeights:
    """A Llama model's weights rearranged for LlamaDecoder: fused and (optionally) int8."""

    def __init__(self, model: Any, quantize: bool, calibration_ids: list[int]) -> None:
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
        self.lm_head_prefill = FloatLinear(model.lm_head.weight, head_bias)
        self.lm_head: Any = self.lm_head_prefill
        self.rotary = inner.rotary_emb
        self._rope_lock = threading.Lock()
        self._cos = self._sin = torch.zeros(0, self.head_dim)
        self.quantized = False
        if quantize:
            self._quantize(calibration_ids)

    def _float_linears(self) -> list[FloatLinear]:
        recorders = [_recorder(x) for layer in self.layers for x in layer.prefill.linears()]
        return [*recorders, self.lm_head_prefill]

    def _quantize(self, calibration_ids: list[int]) -> None:
        """Record each matmul's input range on a calibration text, then build int8 twins."""
        linears = self._float_linears()
        for linear in linears:
            linear.recording = True
        try:
            self.decoder(len(calibration_ids)).start(calibration_ids, all_logits=True)
        finally:
            for linear in linears:
                linear.recording = False
        for layer in self.layers:
            layer.decode = layer.prefill.to_int8()
            layer.prefill = layer.prefill.to_bf16()
        self.lm_head = _int8_from(self.lm_head_prefill)
        self.quantized = True

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


class FastDecoder:
    """Factory of per-generation decoders for one model, built once per process and shared."""

    _built: ClassVar[dict[tuple[int, bool], FastDecoder]] = {}  # by id(model): one copy each
    _lock = threading.Lock()

    def __init__(self, model: Any, tokenizer: Any, quantize: bool = True) -> None:
        on_cpu = next(model.parameters()).device.type == "cpu"
        self.llama: LlamaWeights | None = None
        self.fallback_model: Any = model
        if model.config.model_type in LLAMA_LIKE and on_cpu:
            calibration = tokenizer(CALIBRATION_TEXT)["input_ids"]
            self.llama = LlamaWeights(model, quantize, calibration)
        elif quantize and on_cpu:
            self.fallback_model = torch.ao.quantization.quantize_dynamic(
                copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8
            )
        self.quantized = quantize and on_cpu
        self._source_model = model
        self.description = ("int8 " if self.quantized else "") + (
            "hand-written KV-cache loop" if self.llama else "model forward with KV cache"
        )

    @classmethod
    def for_model(cls, model: Any, tokenizer: Any, quantize: bool = True) -> FastDecoder:
        """The shared fast decoder of this model, built on first use (a few seconds)."""
        key = (id(model), quantize)
        with cls._lock:  # one build per model even when users click at the same moment
            built = cls._built.get(key)
            if built is None or built._source_model is not model:
                built = cls(model, tokenizer, quantize=quantize)
                cls._built[key] = built
            return built

    @classmethod
    def is_built(cls, model: Any, quantize: bool = True) -> bool:
        """Whether ``for_model`` would return at once (the int8 copy takes seconds to build)."""
        built = cls._built.get((id(model), quantize))
        return built is not None and built._source_model is model

    def new_sequence(self, max_len: int) -> LlamaDecoder | CachedForwardDecoder:
        if self.llama is not None:
            return self.llama.decoder(max_len)
        return CachedForwardDecoder(self.fallback_model)
