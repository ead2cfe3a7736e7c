"""Branching and sample N: the original's own token gives back the original text, a branch
keeps the prefix and continues with the picked alternative, log-probabilities match a plain
fp32 forward pass written here, sample N equals N seeded runs; every refusal."""

from __future__ import annotations

import math

import pytest
import torch

from models.builtin import SMOLLM2, external_spec
from models.errors import InvalidInputError
from models.registry import Registry
from models.text.branching import branch_generation, sample_n
from models.text.generation import (
    SamplingSettings,
    end_token_ids,
    generate,
    prepare_prompt,
    score_tokens,
)
from tests.tiny_models import save_tiny_causal_lm

PROMPT = "Write one sentence about the sea."


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    registry = Registry()
    folder = save_tiny_causal_lm(tmp_path_factory.mktemp("branch"), seed=2)
    registry.register(external_spec("causal-lm", str(folder)))
    return registry.load(registry.names()[0])


def log_probability(lm, prompt_ids: list[int], ids: tuple[int, ...]) -> float:
    """Sum of ln p(token) under the fp32 model, by hand from one forward pass."""
    with torch.no_grad():
        logits = lm.model(torch.tensor([prompt_ids + list(ids)])).logits[0]
    start = len(prompt_ids)
    logs = torch.log_softmax(logits[start - 1 : -1].double(), -1)
    return float(logs[torch.arange(len(ids)), torch.tensor(ids)].sum())


def original(lm, prompt: str, settings: SamplingSettings, chat: bool):
    *_, run = generate(lm, prompt, settings, chat=chat)
    return run, score_tokens(lm, run, settings)


@pytest.mark.parametrize("which", ["tiny", "smollm2"])
def test_branch_from_the_same_token_gives_the_original(which, tiny_lm, real_registry):
    lm = tiny_lm if which == "tiny" else real_registry.load(SMOLLM2)
    prompt, chat = ("the cat sat", False) if which == "tiny" else (PROMPT, True)
    settings = SamplingSettings.checked(
        temperature=0.9, top_k=0, top_p=1.0, max_new_tokens=20, seed=11
    )
    run, scored = original(lm, prompt, settings, chat)
    ids = [t.token_id for t in run.tokens]
    assert len(ids) >= 6
    for index in (0, 3, len(ids) - 1):
        same = branch_generation(lm, prompt, settings, ids, index, ids[index], chat=chat)
        assert list(same.branch.token_ids) == ids and same.branch.text == run.text
        assert same.original.log_probability == pytest.approx(
            sum(math.log(t.probability) for t in scored), abs=1e-3
        )
    index = 3
    other = next(a.token_id for a in scored[index].alternatives if a.token_id != ids[index])
    branch = branch_generation(lm, prompt, settings, ids, index, other, chat=chat)
    assert list(branch.branch.token_ids[:index]) == ids[:index]
    if branch.branch.stop_reason != "end of text" or len(branch.branch.token_ids) > index:
        assert branch.branch.token_ids[index] == other
    prompt_ids = prepare_prompt(lm, prompt, chat, settings.max_new_tokens).ids
    for text in (branch.original, branch.branch):
        assert text.log_probability == pytest.approx(
            log_probability(lm, prompt_ids, text.token_ids), abs=1e-3
        )
    assert branch.branch.tokens and all(t.alternatives for t in branch.branch.tokens)


def test_a_branch_ends_where_the_original_ended_unless_asked(tiny_lm):
    """Issue 28 item 4: after a Stop at 35 tokens a branch ran on to 300 and was judged "less
    likely overall" by a total that grows with every token. It stops at the original's length."""
    settings = SamplingSettings.checked(
        temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=40, repetition_penalty=1.0, seed=1
    )
    run, scored = original(tiny_lm, "the cat sat", settings, False)
    stopped = [t.token_id for t in run.tokens][:6]  # as if Stop was pressed after 6 tokens
    other = next(a.token_id for a in scored[2].alternatives if a.token_id != stopped[2])
    branch = branch_generation(tiny_lm, "the cat sat", settings, stopped, 2, other, chat=False)
    assert len(branch.branch.token_ids) <= len(stopped) == len(branch.original.token_ids)
    if len(branch.branch.token_ids) == len(stopped):
        assert branch.branch.stop_reason == "the original's length"
    longer = branch_generation(tiny_lm, "the cat sat", settings, stopped, 2, other, chat=False,
                               to_max_new_tokens=True)  # fmt: skip
    assert list(longer.branch.token_ids[: len(branch.branch.token_ids)]) == list(
        branch.branch.token_ids
    )
    assert len(longer.branch.token_ids) > len(stopped) or longer.branch.stop_reason == "end of text"


def test_end_of_text_alternative_stops_the_branch(tiny_lm):
    ends = end_token_ids(tiny_lm)
    for seed in range(40):  # a run whose alternatives somewhere include "end of text"
        settings = SamplingSettings.checked(
            temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=12, seed=seed
        )
        run, scored = original(tiny_lm, "the dog ran", settings, False)
        found = [
            (i, a.token_id)
            for i, s in enumerate(scored)
            for a in s.alternatives
            if a.token_id in ends
        ]
        if found:
            break
    assert found
    index, end = found[0]
    ids = [t.token_id for t in run.tokens]
    branch = branch_generation(tiny_lm, "the dog ran", settings, ids, index, end, chat=False)
    assert list(branch.branch.token_ids) == ids[:index]
    assert branch.branch.stop_reason == "end of text"


def test_sample_n_uses_consecutive_seeds(tiny_lm):
    settings = SamplingSettings.checked(
        temperature=1.5, top_k=0, top_p=1.0, max_new_tokens=8, seed=40
    )
    done = []
    result = sample_n(
        tiny_lm, "the cat", settings, 3, chat=False, on_sample=lambda d, n: done.append((d, n))
    )
    assert [s.seed for s in result.samples] == [40, 41, 42] and done == [(1, 3), (2, 3), (3, 3)]
    for sample in result.samples:
        *_, run = generate(
            tiny_lm,
            "the cat",
            SamplingSettings(**{**settings.__dict__, "seed": sample.seed}),
            chat=False,
        )
        assert list(sample.token_ids) == [t.token_id for t in run.tokens]
    assert result.distinct == len({s.token_ids for s in result.samples})
    random = sample_n(tiny_lm, "the cat", SamplingSettings(max_new_tokens=4), 2, chat=False)
    assert [s.seed for s in random.samples] == [random.base_seed, random.base_seed + 1]


@pytest.mark.parametrize("n", [1, 9, float("nan"), "four", True, 2.5])
def test_sample_n_refuses_bad_counts(tiny_lm, n):
    with pytest.raises(InvalidInputError, match="number of samples"):
        sample_n(tiny_lm, "the cat", SamplingSettings(max_new_tokens=4, seed=1), n, chat=False)


def test_branch_refusals(tiny_lm):
    settings = SamplingSettings.checked(temperature=1.0, max_new_tokens=8, seed=9)
    run, scored = original(tiny_lm, "the cat", settings, False)
    ids = [t.token_id for t in run.tokens]
    listed = {a.token_id for a in scored[1].alternatives}
    outside = next(i for i in range(len(tiny_lm.tokenizer)) if i not in listed)
    cases = [
        (dict(index=len(ids)), "token index must be a whole number"),
        (dict(index=float("nan")), "token index"),
        (dict(index=-1), "token index"),
        (dict(alternative=outside), "not among the alternatives"),
        (dict(alternative=10**6), "alternative token id"),
        (dict(ids=[]), "list of token ids"),
        (dict(ids="the cat"), "list of token ids"),
        (dict(ids=[1, 999]), "token id must be"),
        (dict(ids=[1] * 600), "at most 512 token ids"),  # more than any generation makes
        (dict(index="1" * 100_000), "token index"),
        (dict(settings=SamplingSettings(max_new_tokens=8)), "seed"),
        (dict(settings={"temperature": 1}), "sampling settings"),
        (dict(prompt=""), "empty"),
    ]
    for change, message in cases:
        args = (
            dict(prompt="the cat", settings=settings, ids=ids, index=1, alternative=ids[1]) | change
        )
        with pytest.raises(InvalidInputError, match=message) as refused:
            branch_generation(
                tiny_lm,
                args["prompt"],
                args["settings"],
                args["ids"],
                args["index"],
                args["alternative"],
                chat=False,
            )
        assert len(str(refused.value)) < 300, "a refusal quotes a short prefix, not the value"
