"""Logit lens: every row checked against an independent computation (hidden states caught with
forward hooks, RMS norm and unembedding written out by hand), the last row against the model's
own next-token distribution; on the default SmolLM2 and a tiny seeded Llama."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.builtin import MINILM, SMOLLM2, external_spec
from models.errors import InvalidInputError, PlaygroundError
from models.registry import Registry
from models.text.logit_lens import LOGIT_LENS_TOKEN_CAP, TOP_K, logit_lens
from tests.tiny_models import save_tiny_causal_lm

# Probabilities from float32 passes that sum in different orders (see check_against_reference).
FLOAT32_ATOL = 5e-5


@pytest.fixture(scope="module")
def tiny_registry(tmp_path_factory) -> Registry:
    registry = Registry()
    registry.register(
        external_spec("causal-lm", str(save_tiny_causal_lm(tmp_path_factory.mktemp("ll"))))
    )
    return registry


def reference_rows(model, ids: tuple[int, ...]) -> torch.Tensor:
    """softmax(W_U · rms_norm(h_l)) for every layer input h_l, by hand: h_0 is the embedding
    lookup, h_l (l >= 1) the output of decoder layer l caught by a hook; the last row is the
    model's own logits."""
    inner = model.model
    caught: list[torch.Tensor] = []
    hooks = [
        layer.register_forward_hook(
            lambda _m, _i, out: caught.append(out[0] if isinstance(out, tuple) else out)
        )
        for layer in inner.layers
    ]
    try:
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0]
    finally:
        for hook in hooks:
            hook.remove()
    weight = model.lm_head.weight.detach()
    gain, eps = inner.norm.weight.detach(), model.config.rms_norm_eps
    states = [inner.embed_tokens.weight.detach()[list(ids)], *(c[0] for c in caught[:-1])]
    rows = []
    for h in states:
        normed = h / torch.sqrt(h.pow(2).mean(-1, keepdim=True) + eps) * gain
        rows.append(torch.softmax(normed @ weight.T, dim=-1))
    rows.append(torch.softmax(logits, dim=-1))
    return torch.stack(rows)


def check_against_reference(registry: Registry, name: str, text: str) -> None:
    lens = logit_lens(registry, name, text)
    model = registry.load(name).model
    probs = reference_rows(model, lens.token_ids)
    assert lens.rows == model.config.num_hidden_layers + 1 == probs.shape[0]
    top = torch.topk(probs, TOP_K, dim=-1)
    np.testing.assert_allclose(lens.top_probs, top.values.numpy(), atol=FLOAT32_ATOL)
    # ids must agree wherever the reference has no near-tie
    clear = (top.values[..., 0] - top.values[..., 1]) > 1e-4
    assert (torch.from_numpy(lens.top_ids[..., 0]) == top.indices[..., 0])[clear].all()
    final = torch.softmax(model(torch.tensor([lens.token_ids])).logits[0].detach(), -1)
    # A second forward pass in float32: the same numbers summed in another order wherever the CPU's
    # vector width differs (1.66e-5 apart on one machine, 0 on another). A wrong norm, layer or
    # unembedding moves these probabilities by 1e-2 or more; rounding, by a few 1e-5.
    np.testing.assert_allclose(
        lens.top_probs[-1], torch.topk(final, TOP_K, -1).values.numpy(), atol=FLOAT32_ATOL
    )
    assert (lens.top_ids[-1, :, 0] == final.argmax(-1).numpy()).all()


def test_tiny_llama_rows_match_hand_computation(tiny_registry):
    check_against_reference(tiny_registry, tiny_registry.names()[0], "the cat sat on the mat")


def test_smollm2_rows_match_hand_computation(real_registry):
    check_against_reference(real_registry, SMOLLM2, "The capital of France is Paris, and the")


def test_cells_names_and_notice(real_registry):
    lens = logit_lens(real_registry, None, "The capital of France is")
    assert lens.model_name == SMOLLM2
    assert lens.row_names[0] == "embeddings" and lens.row_names[-1] == "layer 30 (output)"
    top5 = lens.cell(30, len(lens.token_ids) - 1)
    assert [c.probability for c in top5] == sorted((c.probability for c in top5), reverse=True)
    assert top5[0].label == lens.top_labels[30][-1] and top5[0].label == " Paris"
    long = logit_lens(real_registry, SMOLLM2, "one two three " * 40)
    assert long.positions == LOGIT_LENS_TOKEN_CAP and "first 64" in long.notice


@pytest.mark.parametrize(
    ("row", "position"), [(31, 0), (-1, 0), (0, 99), (float("nan"), 0), (True, 0), (1.5, 0)]
)
def test_bad_cell(real_registry, row, position):
    lens = logit_lens(real_registry, None, "Hello there")
    with pytest.raises(InvalidInputError, match="whole number"):
        lens.cell(row, position)


@pytest.mark.parametrize(
    ("model", "text", "message"),
    [
        (MINILM, "hi", "needs a decoder"),
        (SMOLLM2, "", "empty"),
        (SMOLLM2, 3, "must be a string"),
        ("no-such-model", "hi", "No model named"),
    ],
)
def test_bad_input(real_registry, model, text, message):
    with pytest.raises(PlaygroundError, match=message):  # unknown names: UnknownModelError
        logit_lens(real_registry, model, text)
