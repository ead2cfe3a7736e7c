"""The Text tab on the real default model (SmolLM2-135M): the int8 fast path keeps perplexity
within 3% of fp32, and chat mode handles emoji and mixed scripts end to end."""

from __future__ import annotations

import pytest
import torch

from models.text.fast_decode import FastDecoder
from models.text.generation import SamplingSettings, generate, score_tokens

FIXED_TEXT = (
    "Bees are flying insects closely related to wasps and ants, known for their role in "
    "pollination and, in the case of the best-known species, the western honey bee, for "
    "producing honey. There are over 20,000 known species of bees in seven recognized "
    "biological families. Some species live socially in colonies while most are solitary."
)


@pytest.fixture(scope="module")
def lm(real_registry):
    return real_registry.load(real_registry.default("causal-lm"), kind="causal-lm")


def test_fast_path_perplexity_is_within_three_percent_of_fp32(lm) -> None:
    ids = lm.tokenizer(FIXED_TEXT)["input_ids"]
    targets = torch.tensor(ids[1:])
    with torch.inference_mode():
        reference = lm.model(torch.tensor([ids])).logits[0, :-1]
    fast = FastDecoder.for_model(lm.model, lm.tokenizer, quantize=True)
    assert fast.quantized and fast.llama is not None  # SmolLM2 gets the hand-written loop
    decoder = fast.new_sequence(len(ids))
    # As generation runs: a prompt pass (bf16) over the first half, then one token at a time
    # (int8) over the rest, teacher-forced.
    half = len(ids) // 2
    prompt = decoder.start(ids[:half], all_logits=True)
    stepped = torch.cat([prompt, torch.stack([decoder.step(t)[0] for t in ids[half:-1]])])
    fp32_ppl = torch.nn.functional.cross_entropy(reference, targets).exp()
    fast_ppl = torch.nn.functional.cross_entropy(stepped, targets).exp()
    assert fast_ppl / fp32_ppl <= 1.03, (float(fp32_ppl), float(fast_ppl))
    assert torch.equal(stepped.argmax(-1)[:5], reference.argmax(-1)[:5])


def test_chat_mode_with_emoji_and_mixed_scripts(lm) -> None:
    settings = SamplingSettings(0.0, 0, 1.0, 24, 1.1, 1)
    prompt = "Translate to English: 東京で猫 🐱 を見ました。Привет!"
    run = list(generate(lm, prompt, settings, chat=True))[-1]
    assert run.finished and run.tokens and not run.notice
    assert "".join(t.piece for t in run.tokens) == run.text
    assert "<|im_start|>" in lm.tokenizer.decode(run.prompt_ids)  # the chat template was used
    scored = score_tokens(lm, run, settings)
    assert len(scored) == len(run.tokens)
    assert all(0 < t.probability <= 1 for t in scored)
    # Greedy: under fp32 the sampler puts all mass on the argmax. The int8 path picked the same
    # token as fp32's argmax at (nearly) every position.
    agree = [t.sampler_probability for t in scored]
    assert set(agree) <= {0.0, 1.0} and sum(agree) >= 0.8 * len(agree)
