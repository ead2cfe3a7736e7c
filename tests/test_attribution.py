"""Why this token: integrated gradients is complete (its scores add up to the logit, or logit
difference, minus its value at the baseline, within 5% at the default 32 steps), with both ends
recomputed here by plain forward passes; gradient x input equals a hand-written autograd
product; progress ticks; multi-token targets; every refusal."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.builtin import MINILM, SMOLLM2, external_spec
from models.errors import InvalidInputError
from models.registry import Registry
from models.text.attribution import (
    IG_STEPS,
    MAX_IG_STEPS,
    AttributionSettings,
    attribution_layer,
    explain_ids,
    explain_next_token,
)
from tests.tiny_models import save_tiny_causal_lm

GXI = AttributionSettings(method="gradient-x-input")


@pytest.fixture(scope="module")
def tiny_registry(tmp_path_factory) -> Registry:
    registry = Registry()
    folder = save_tiny_causal_lm(tmp_path_factory.mktemp("why"), seed=1)
    registry.register(external_spec("causal-lm", str(folder)))
    return registry


def logit_gap(model, embeddings: torch.Tensor, target: int, contrast: int | None) -> float:
    with torch.no_grad():
        logits = model(inputs_embeds=embeddings).logits[0, -1]
    return float(logits[target] - (logits[contrast] if contrast is not None else 0.0))


def check_complete(registry: Registry, name: str, attribution) -> None:
    model = registry.load(name).model
    ids = torch.tensor([attribution.token_ids])
    embeddings = model.get_input_embeddings()(ids).detach()
    baseline = torch.zeros_like(embeddings)
    baseline[:, 0] = embeddings[:, 0]
    value = logit_gap(model, embeddings, attribution.target_id, attribution.contrast_id)
    start = logit_gap(model, baseline, attribution.target_id, attribution.contrast_id)
    assert attribution.value == pytest.approx(value, abs=1e-3)
    assert attribution.baseline_value == pytest.approx(start, abs=1e-3)
    total = float(attribution.scores.sum())
    assert abs(total - (value - start)) <= 0.05 * abs(value - start), (total, value, start)
    assert attribution.completeness_gap < 0.05 and attribution.steps == IG_STEPS


@pytest.mark.parametrize(
    ("text", "target", "contrast"),
    [
        ("The capital of France is", " Paris", None),
        ("The capital of France is", " Paris", " London"),
        ("She opened the door and saw a", " man", " woman"),
    ],
)
def test_smollm2_integrated_gradients_is_complete(real_registry, text, target, contrast):
    ticks = []
    result = explain_next_token(
        real_registry, SMOLLM2, text, target, contrast, on_step=lambda d, n: ticks.append((d, n))
    )
    check_complete(real_registry, SMOLLM2, result)
    assert result.layer == attribution_layer(real_registry.load(SMOLLM2)) == 6
    assert ticks == [(16, 32), (32, 32)]
    assert result.scores[0] == 0.0  # the kept first token
    assert result.target_label == target and (contrast is None or result.contrast_label == contrast)


def test_tiny_llama_is_complete_and_gradient_x_input_matches_autograd(tiny_registry):
    name = tiny_registry.names()[0]
    ig = explain_next_token(tiny_registry, name, "the cat sat on the", "mat", "dog")
    assert ig.layer == 0  # two layers: the attributions are taken at the embeddings
    check_complete(tiny_registry, name, ig)
    gxi = explain_next_token(tiny_registry, name, "the cat sat on the", "mat", None, settings=GXI)
    model = tiny_registry.load(name).model
    embeddings = model.get_input_embeddings()(torch.tensor([gxi.token_ids])).detach()
    embeddings.requires_grad_(True)
    logit = model(inputs_embeds=embeddings).logits[0, -1, gxi.target_id]
    (grad,) = torch.autograd.grad(logit, embeddings)
    np.testing.assert_allclose(gxi.scores, (grad * embeddings).sum(-1)[0].detach(), atol=1e-5)


def test_explain_ids_defaults_to_the_models_choice(real_registry):
    lm = real_registry.load(SMOLLM2)
    ids = lm.tokenizer("The capital of France is")["input_ids"]
    result = explain_ids(real_registry, None, ids, settings=GXI)
    with torch.no_grad():
        expected = int(lm.model(torch.tensor([ids])).logits[0, -1].argmax())
    assert result.target_id == expected and result.steps == 1 and result.contrast_id is None
    assert 0 < result.target_probability <= 1


def test_multi_token_target_uses_its_first_token(real_registry):
    lm = real_registry.load(SMOLLM2)
    word = " Antananarivo"
    pieces = lm.tokenizer(word, add_special_tokens=False)["input_ids"]
    assert len(pieces) > 1
    result = explain_next_token(
        real_registry, SMOLLM2, "The capital of Madagascar is", word, settings=GXI
    )
    assert result.target_id == pieces[0] and "first token" in result.notice


def test_long_context_keeps_its_end(tiny_registry):
    name = tiny_registry.names()[0]
    ids = [4, 5, 6] * 50
    result = explain_ids(tiny_registry, name, ids, settings=GXI)
    assert list(result.token_ids) == ids[-128:] and "last 128" in result.notice


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(steps=MAX_IG_STEPS + 1), "number of steps must be a whole number from 4 to 128"),
        (dict(steps=3), "number of steps"),
        (dict(steps=float("nan")), "number of steps"),
        (dict(steps="many"), "number of steps"),
        (dict(method="saliency"), "method must be one of"),
        (dict(text=""), "empty"),
        (dict(model=MINILM), "needs a decoder"),
        (dict(target=" Paris", contrast=" Paris"), "same token"),
        (dict(target=""), None),
        (dict(target=10**7), "target must be a whole number"),
    ],
)
def test_bad_input(real_registry, kwargs, message):
    args = dict(model=SMOLLM2, text="The capital of France is", target=" Paris", contrast=None)
    args |= dict(method="integrated-gradients", steps=IG_STEPS) | kwargs
    call = lambda: explain_next_token(  # noqa: E731
        real_registry,
        args["model"],
        args["text"],
        args["target"],
        args["contrast"],
        AttributionSettings(
            method=args["method"] if message else "gradient-x-input",
            integration_steps=args["steps"],
        ),
    )
    if message is None:  # an empty target means "the model's own choice"
        assert call().target_id >= 0
        return
    with pytest.raises(InvalidInputError, match=message):
        call()


def test_empty_context_ids(real_registry):
    with pytest.raises(InvalidInputError, match="context is empty"):
        explain_ids(real_registry, SMOLLM2, [])
