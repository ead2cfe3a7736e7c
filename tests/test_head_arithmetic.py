"""One head's arithmetic: the softmax row equals the Attention tab's extracted weights (1e-5),
the weighted sum equals what the layer feeds its output projection (caught with a hook), and
each step (q·k, scaling, mask, softmax) is checked by plain numpy; SmolLM2 (9 heads, 3 key/value
heads) and a tiny seeded Llama (4 heads, 2 key/value heads)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.attention.extraction import eager_twin, extract_attention
from models.attention.head_arithmetic import head_arithmetic
from models.builtin import MINILM, SMOLLM2, external_spec
from models.errors import InvalidInputError
from models.registry import Registry
from tests.tiny_models import save_tiny_causal_lm


@pytest.fixture(scope="module")
def tiny_registry(tmp_path_factory) -> Registry:
    registry = Registry()
    folder = save_tiny_causal_lm(tmp_path_factory.mktemp("heads"), seed=3)
    registry.register(external_spec("causal-lm", str(folder)))
    return registry


def o_proj_inputs(registry: Registry, name: str, ids: tuple[int, ...]) -> list[torch.Tensor]:
    """What each layer's attention hands its output projection: [T, heads * d] per layer."""
    twin = eager_twin(registry.load(name).model.base_model)
    caught: list[torch.Tensor] = []
    hooks = [
        layer.self_attn.o_proj.register_forward_pre_hook(lambda _m, args: caught.append(args[0][0]))
        for layer in twin.layers
    ]
    try:
        with torch.no_grad():
            twin(input_ids=torch.tensor([ids]), use_cache=False)
    finally:
        for hook in hooks:
            hook.remove()
    return caught


def check_all_heads(registry: Registry, name: str, text: str, queries: list[int]) -> None:
    heatmap = extract_attention(registry, name, text)
    config = registry.load(name).model.config
    outputs = o_proj_inputs(registry, name, heatmap.token_ids)
    group = config.num_attention_heads // config.num_key_value_heads
    for layer in range(heatmap.layers):
        for head in range(heatmap.heads):
            for query in queries:
                a = head_arithmetic(registry, name, text, layer, head, query)
                np.testing.assert_allclose(
                    a.weights, heatmap.attentions[layer, head, query], atol=1e-5
                )
                d = a.head_dim
                np.testing.assert_allclose(
                    a.output, outputs[layer][query, head * d : (head + 1) * d].numpy(), atol=1e-5
                )
                assert a.kv_head == head // group and a.scale == pytest.approx(1 / math.sqrt(d))
                np.testing.assert_allclose(a.dots, a.keys @ a.q, rtol=1e-5, atol=1e-5)
                np.testing.assert_allclose(a.scaled, a.dots * a.scale, rtol=1e-6)
                assert np.isneginf(a.masked[query + 1 :]).all()
                assert (a.masked[: query + 1] == a.scaled[: query + 1]).all()
                e = np.exp(a.scaled[: query + 1] - a.scaled[: query + 1].max())
                np.testing.assert_allclose(a.weights[: query + 1], e / e.sum(), atol=1e-6)
                np.testing.assert_allclose(a.output, a.weights @ a.values, atol=1e-5)


def test_tiny_llama_every_head(tiny_registry):
    check_all_heads(tiny_registry, tiny_registry.names()[0], "the cat sat on the mat", [0, 3, 5])


def test_smollm2_every_head(real_registry):
    text = "The cat sat on the mat because it was tired."
    check_all_heads(real_registry, SMOLLM2, text, [0, 6, 10])


def test_rope_rotates_but_keeps_length(real_registry):
    a = head_arithmetic(real_registry, None, "one two three four five", 2, 4, 4)
    assert a.model_name == SMOLLM2 and a.keys.shape == (len(a.labels), a.head_dim)
    np.testing.assert_allclose(
        np.linalg.norm(a.keys, axis=1), np.linalg.norm(a.keys_before_rope, axis=1), rtol=1e-5
    )
    assert np.allclose(a.keys[0], a.keys_before_rope[0])  # position 0 is not rotated
    assert not np.allclose(a.keys[3], a.keys_before_rope[3])


@pytest.mark.parametrize(
    ("model", "layer", "head", "query", "message"),
    [
        (SMOLLM2, 30, 0, 0, "layer must be a whole number from 0 to 29"),
        (SMOLLM2, 0, 9, 0, "head must be a whole number from 0 to 8"),
        (SMOLLM2, 0, float("nan"), 0, "head must be"),
        (SMOLLM2, 0, 0, 5, "query token must be a whole number from 0 to 4"),
        (SMOLLM2, 0, 0, -1, "query token"),
        (MINILM, 0, 0, 0, "needs a decoder"),
    ],
)
def test_bad_input(real_registry, model, layer, head, query, message):
    with pytest.raises(InvalidInputError, match=message):
        head_arithmetic(real_registry, model, "one two three four five", layer, head, query)


def test_empty_text(real_registry):
    with pytest.raises(InvalidInputError, match="empty"):
        head_arithmetic(real_registry, SMOLLM2, "  ", 0, 0, 0)
