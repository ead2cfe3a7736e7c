"""Why this token: how much each token of the context pushed the decoder towards one next token,
by gradient x input and by integrated gradients, plain ("why ' Paris'") or contrastive ("why
' Paris' rather than ' London'", which explains the difference of the two logits).

What is explained is the target's *logit* (or the logit difference) at the last position, a
number the attributions add up to: integrated gradients integrates the gradient along the
straight path from a baseline to the input, so sum(scores) = value(input) - value(baseline) up
to the integration error, which ``completeness_gap`` reports (tests/test_attribution.py holds it
under 5% at the default 32 steps). A position's score is the sum over its vector's dimensions:
positive pushed towards the target (or towards it rather than the contrast), negative away.

Where the path runs: the residual stream at the input of layer ``attribution_layer`` (a fifth of
the depth: layer 6 of SmolLM2's 30), Captum's *layer* integrated gradients, not the raw token
embeddings. Measured on SmolLM2 with 8 texts: at the embeddings the model's RMSNorm makes the
path from a zero baseline nearly a step (the logit jumps within the first 3% of the path, then
wobbles), and 32 points miss completeness by 12-240% whatever the baseline (zero, mean embedding,
pad or space tokens); at layer 2 by up to 15%, layer 4 up to 4.7%, layer 6 at most 0.7%. After
six causal layers a position's residual stream is still mostly its own token (and what came
before it, never after), so the scores still read as "this token". Baseline: every token but
the first replaced by a zero embedding and run through those first layers; the first token (the
attention sink every position leans on) is kept, which is also why it always scores 0.
Gradient x input is taken at the same place, so the two methods can be compared.

Why Captum (0.9.0, BSD-3, PyTorch's own attribution library) rather than Inseq: Inseq wraps
Captum's methods for generation tasks, but it pins its own way of running the model and, on
Linux, pulls in CUDA 11 wheels (gigabytes) on a CPU-only Space; here the model is the registry's
live decoder and we need a custom scalar (a logit difference), a progress callback and batching
we control, which is exactly Captum's forward-function interface. Captum's gradients go through
``torch.autograd.grad`` on the inputs only, so the shared model's weights get no gradients and
are never changed; concurrent users are safe.

Cost: the first layers run twice (input and baseline), then integrated gradients runs ``steps``
forward and backward passes of the remaining layers, batched IG_BATCH at a time (one progress
tick per batch). Not here: drawing or UI.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from models.attention.extraction import token_labels
from models.errors import InvalidInputError
from models.registry import Registry
from models.settings import Settings, setting
from models.text.causal_lm import CausalLM
from models.text.view_input import cut_ids, load_decoder, token_id_of, tokenize_for_view
from models.validation import shown_value, whole_number

METHODS = ("integrated-gradients", "gradient-x-input")
IG_STEPS = 32  # default; Gauss-Legendre points along the path
MIN_IG_STEPS, MAX_IG_STEPS = 4, 128
IG_BATCH = 16  # path points per pass: one progress tick each (16 is ~15% faster than 8)
ATTRIBUTION_TOKEN_CAP = 128  # context tokens; the end is kept (it is next to the explained token)
VIEW = "why this token"
LAYER_FRACTION = 5  # attribute at the input of layer num_layers // 5 (see the docstring)


@dataclass(frozen=True)
class AttributionSettings(Settings):
    """How a next token is attributed to the tokens before it."""

    method: str = setting(METHODS[0], choices=METHODS, label="Method")
    integration_steps: int = setting(IG_STEPS, low=MIN_IG_STEPS, high=MAX_IG_STEPS, step=1,
                                     label="Integration steps")  # fmt: skip


StepCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class Attribution:
    model_name: str
    method: str
    steps: int  # path points (1 for gradient x input)
    token_ids: tuple[int, ...]  # the context
    labels: tuple[str, ...]
    scores: np.ndarray  # float32 [T]: each context token's share of (value - baseline_value)
    target_id: int
    target_label: str
    target_probability: float  # the model's probability of the target after the context
    contrast_id: int | None
    contrast_label: str
    layer: int  # the decoder layer whose input the scores are taken at (0 = embeddings)
    value: float  # logit(target) [- logit(contrast)] after the real context
    baseline_value: float  # the same from the baseline (all but the first token zeroed)
    completeness_gap: float  # |sum(scores) - (value - baseline_value)| / |value - baseline_value|
    seconds: float
    notice: str = ""


def _first_token(lm: CausalLM, piece: Any, what: str) -> tuple[int, str]:
    """(id, notice) of a target given as text or as a token id; several tokens: the first."""
    if isinstance(piece, (int, np.integer)) and not isinstance(piece, bool):
        return token_id_of(lm, piece, what), ""
    if not isinstance(piece, str) or piece == "":
        raise InvalidInputError(f"Type the {what} as text (for example ' Paris'), or leave it out.")
    ids = lm.tokenizer(piece, add_special_tokens=False)["input_ids"]
    if not ids:
        raise InvalidInputError(f"The {what} {shown_value(piece)} gives no tokens; type a word.")
    if len(ids) == 1:
        return ids[0], ""
    parts = " + ".join(repr(p) for p in token_labels(lm.tokenizer, ids))
    first = token_labels(lm.tokenizer, ids[:1])[0]
    return ids[0], (
        f"The {what} {shown_value(piece)} is {len(ids)} tokens for this model ({parts}); the "
        f"model writes one token at a time, so its first token, {first!r}, is the one explained."
    )


def _check_method(method: Any, steps: Any) -> tuple[str, int]:
    if method not in METHODS:
        raise InvalidInputError(
            f"The method must be one of {', '.join(METHODS)}, not {shown_value(method)}."
        )
    if method == "gradient-x-input":
        return method, 1
    return method, whole_number("The number of steps", steps, MIN_IG_STEPS, MAX_IG_STEPS)


def _scalar(lm: CausalLM, target: int, contrast: int | None) -> Callable[[torch.Tensor], Any]:
    """embeddings [B, T, D] -> the explained number per example [B]."""
    model = lm.model

    def forward(embeddings: torch.Tensor) -> torch.Tensor:
        last = model.model(inputs_embeds=embeddings, use_cache=False).last_hidden_state[:, -1]
        logits = model.lm_head(last).float()
        value = logits[:, target]
        return value - logits[:, contrast] if contrast is not None else value

    return forward


def attribution_layer(lm: CausalLM) -> int:
    """Index of the decoder layer whose input the attributions are taken at (0 = embeddings)."""
    return lm.model.config.num_hidden_layers // LAYER_FRACTION


def attribute_ids(
    lm: CausalLM,
    ids: list[int],
    target: int,
    contrast: int | None = None,
    method: str = "integrated-gradients",
    steps: int = IG_STEPS,
    on_step: StepCallback | None = None,
) -> tuple[np.ndarray, float, float, float]:
    """(scores [T], value, baseline value, target probability) for checked inputs."""
    from captum.attr import LayerGradientXActivation, LayerIntegratedGradients

    forward = _scalar(lm, target, contrast)
    embed = lm.model.get_input_embeddings()
    device = lm.model.device
    layer = lm.model.model.layers[attribution_layer(lm)]
    with torch.no_grad():
        inputs = embed(torch.tensor([ids], device=device)).detach()
        baseline = torch.zeros_like(inputs)
        baseline[:, 0] = inputs[:, 0]  # the attention sink stays (see the docstring)
        last = lm.model.model(inputs_embeds=inputs, use_cache=False).last_hidden_state[:, -1]
        logits = lm.model.lm_head(last).float()[0]
        value = float(logits[target] - (logits[contrast] if contrast is not None else 0.0))
        probability = float(torch.softmax(logits, -1)[target])
        baseline_value = float(forward(baseline)[0])
    total, done = (1 if method == "gradient-x-input" else steps), 0

    def counted(embeddings: torch.Tensor) -> torch.Tensor:
        nonlocal done
        out = forward(embeddings)
        if torch.is_grad_enabled():  # Captum's gradient passes, one per batch of path points
            done = min(total, done + embeddings.shape[0])
            if on_step is not None:
                on_step(done, total)
        return out

    with torch.enable_grad():
        if method == "gradient-x-input":
            scores = LayerGradientXActivation(counted, layer).attribute(
                inputs, attribute_to_layer_input=True
            )
        else:
            scores = LayerIntegratedGradients(counted, layer).attribute(
                inputs,
                baselines=baseline,
                n_steps=steps,
                internal_batch_size=IG_BATCH,
                attribute_to_layer_input=True,
            )
    per_token = scores[0].sum(-1).detach().float().cpu().numpy().astype(np.float32)
    return per_token, value, baseline_value, probability


def explain_ids(
    registry: Registry,
    model_name: Any,
    context_ids: Any,
    target: Any = None,
    contrast: Any = None,
    settings: AttributionSettings | None = None,
    on_step: StepCallback | None = None,
) -> Attribution:
    """Explain the token after ``context_ids`` (a list of ids: for the Text tab, the prompt plus
    the tokens generated before the clicked one). ``target``/``contrast``: a token id or text;
    ``target=None`` explains the model's own most likely next token."""
    name, lm = load_decoder(registry, model_name, VIEW)
    if isinstance(context_ids, str) or not hasattr(context_ids, "__len__") or not context_ids:
        raise InvalidInputError("The context is empty: give the tokens before the explained one.")
    ids = [token_id_of(lm, i, "context token id") for i in context_ids]
    prepared = cut_ids(ids, ATTRIBUTION_TOKEN_CAP, VIEW, keep="end")
    return _explain(name, lm, prepared.ids, prepared.notice, target, contrast, settings, on_step)


def explain_next_token(
    registry: Registry,
    model_name: Any,
    text: Any,
    target: Any = None,
    contrast: Any = None,
    settings: AttributionSettings | None = None,
    on_step: StepCallback | None = None,
) -> Attribution:
    """Explain the token after ``text`` ("The capital of France is" -> ' Paris')."""
    name, lm = load_decoder(registry, model_name, VIEW)
    prepared = tokenize_for_view(lm, text, ATTRIBUTION_TOKEN_CAP, VIEW, keep="end")
    return _explain(name, lm, prepared.ids, prepared.notice, target, contrast, settings, on_step)


def _explain(
    name: str,
    lm: CausalLM,
    ids: list[int],
    notice: str,
    target: Any,
    contrast: Any,
    settings: AttributionSettings | None,
    on_step: StepCallback | None,
) -> Attribution:
    settings = settings or AttributionSettings()  # the declared defaults
    method, steps = _check_method(settings.method, settings.integration_steps)
    notices = [notice] if notice else []
    if target is None or target == "":
        with torch.inference_mode():
            logits = lm.model(torch.tensor([ids], device=lm.model.device)).logits[0, -1]
        target_id = int(torch.argmax(logits))
    else:
        target_id, said = _first_token(lm, target, "target")
        notices += [said] if said else []
    contrast_id = None
    if contrast is not None and contrast != "":
        contrast_id, said = _first_token(lm, contrast, "contrast")
        notices += [said] if said else []
        if contrast_id == target_id:
            raise InvalidInputError(
                "The contrast is the same token as the target; pick a different word to compare."
            )
    started = time.perf_counter()
    scores, value, baseline_value, probability = attribute_ids(
        lm, ids, target_id, contrast_id, method, steps, on_step
    )
    change = value - baseline_value
    gap = abs(float(scores.sum()) - change) / max(abs(change), 1e-6)
    labels = token_labels(
        lm.tokenizer, [target_id] + ([contrast_id] if contrast_id is not None else [])
    )
    return Attribution(
        model_name=name,
        method=method,
        steps=steps,
        token_ids=tuple(ids),
        labels=tuple(token_labels(lm.tokenizer, ids)),
        scores=scores,
        target_id=target_id,
        target_label=labels[0],
        target_probability=probability,
        contrast_id=contrast_id,
        contrast_label=labels[1] if contrast_id is not None else "",
        layer=attribution_layer(lm),
        value=value,
        baseline_value=baseline_value,
        completeness_gap=gap,
        seconds=time.perf_counter() - started,
        notice=" ".join(notices),
    )
