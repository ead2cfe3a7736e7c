"""The Text tab with this session's fine-tuned model: the adapter writes, the shared model does
not change, other users keep the base model, and waiting for the bench can be cancelled."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest
import torch

from components.errors import user_errors
from components.text.handlers import generate_text, session_adapter
from models.errors import InvalidInputError
from models.finetune.training import bench_for
from models.finetune.tuned_generation import generate_tuned
from models.registry import LoadedModel, ModelSpec, Registry
from models.sources import ModelSource
from models.text.causal_lm import CausalLM
from models.text.generation import SamplingSettings, generate, score_tokens
from tests.test_finetune_training import EXAMPLES, FAST, snapshot, tiny_lm  # noqa: F401

GREEDY = SamplingSettings.checked(
    temperature=0, top_k=0, top_p=1.0, max_new_tokens=4, repetition_penalty=1.0, seed=0
)


@pytest.fixture(scope="module")
def adapter(tiny_lm: CausalLM):  # noqa: F811
    return bench_for(tiny_lm).train(EXAMPLES, FAST)


def test_tuned_model_writes_what_it_learned_and_scores_it(tiny_lm, adapter) -> None:  # noqa: F811
    shared_before = snapshot(tiny_lm.model)
    updates = list(generate_tuned(tiny_lm, adapter, "the cat", GREEDY, chat=False))
    runs = [u.run for u in updates if u.run is not None]
    assert [len(r.tokens) for r in runs] == [1, 2, 3, 4, 4]  # streamed, then the final run
    assert runs[-1].finished and runs[-1].text == "sat on the mat"
    scored = updates[-1].scored
    assert scored is not None and [s.piece.strip() for s in scored] == ["sat", "on", "the", "mat"]
    # the probabilities are the tuned model's own: well above what the base gives these tokens
    base_scores = score_tokens(tiny_lm, runs[-1], GREEDY)
    for tuned_token, base_token in zip(scored, base_scores, strict=True):
        assert tuned_token.probability > 1.4 * base_token.probability
    base = list(generate(tiny_lm, "the cat", GREEDY, chat=False))[-1]
    assert base.text != "sat on the mat"  # the shared model still writes the base's answer
    for name, tensor in snapshot(tiny_lm.model).items():
        assert torch.equal(tensor, shared_before[name]), name


def test_same_seed_same_tuned_text(tiny_lm, adapter) -> None:  # noqa: F811
    warm = SamplingSettings.checked(
        temperature=1.5, top_k=0, top_p=1.0, max_new_tokens=6, repetition_penalty=1.0, seed=5
    )
    texts = {
        [u.run for u in generate_tuned(tiny_lm, adapter, "a dog", warm, chat=False) if u.run][
            -1
        ].text
        for _ in range(2)
    }
    assert len(texts) == 1


def test_waits_for_training_then_runs_and_can_give_up(tiny_lm, adapter) -> None:  # noqa: F811
    bench = bench_for(tiny_lm)
    bench.lock.acquire()  # as if another user were training
    try:
        stream = generate_tuned(tiny_lm, adapter, "the cat", GREEDY, chat=False)
        assert next(stream).waiting
        started = time.perf_counter()
        stream.close()  # the user left while waiting: the worker stops waiting at once
        assert time.perf_counter() - started < 2
        stream = generate_tuned(tiny_lm, adapter, "the cat", GREEDY, chat=False)
        assert next(stream).waiting
    finally:
        threading.Timer(0.3, bench.lock.release).start()
    rest = list(stream)
    assert [u.run for u in rest if u.run][-1].text == "sat on the mat"
    assert rest[-1].scored is not None


def test_stop_still_scores_what_was_written(tiny_lm, adapter) -> None:  # noqa: F811
    bench = bench_for(tiny_lm)
    slow = bench.model.register_forward_pre_hook(lambda *_: time.sleep(0.02))  # a bigger model
    stop = threading.Event()
    long = SamplingSettings.checked(
        temperature=0, top_k=0, top_p=1.0, max_new_tokens=60, repetition_penalty=1.0, seed=0
    )
    updates = []
    try:
        for update in generate_tuned(tiny_lm, adapter, "the cat", long, chat=False, stop=stop):
            updates.append(update)
            if update.run is not None and len(update.run.tokens) == 2:
                stop.set()  # the Stop button
    finally:
        slow.remove()
    final = [u.run for u in updates if u.run][-1]
    assert final.stop_reason == "stopped" and 2 <= len(final.tokens) < 10
    assert updates[-1].scored is not None and len(updates[-1].scored) == len(final.tokens)


@pytest.fixture(scope="module")
def registry(tiny_lm: CausalLM) -> Registry:  # noqa: F811
    registry = Registry()
    registry.register(
        ModelSpec(
            tiny_lm.name,
            "causal-lm",
            lambda: ModelSource("local", tiny_lm.name),
            lambda _source: LoadedModel(tiny_lm, 1, "cpu", "float32"),
        )
    )
    return registry


def test_text_tab_handler_uses_the_session_adapter(registry, tiny_lm, adapter) -> None:  # noqa: F811
    session = SimpleNamespace(adapter=adapter)
    args = (registry, tiny_lm.name, "the cat", False, True, replace(GREEDY, max_new_tokens=4))
    tuned = list(generate_text(*args, {}, session_adapter(True, session)))
    assert tuned[-1][0] == "sat on the mat"
    assert "your fine-tuned model" in tuned[-1][1]
    assert [item["token"].strip() for item in tuned[-1][3]] == ["sat", "on", "the", "mat"]
    base = list(generate_text(*args, {}, session_adapter(False, session)))
    assert base[-1][0] != "sat on the mat" and "exact fp32" in base[-1][1]


def test_ticking_the_box_without_a_fine_tune_says_what_to_do() -> None:
    with pytest.raises(InvalidInputError, match="train one in the Fine-tune tab"):
        session_adapter(True, None)
    assert session_adapter(False, None) is None


def test_adapter_of_another_model_is_refused(registry, tiny_lm, adapter) -> None:  # noqa: F811
    other = SimpleNamespace(**{**adapter.__dict__, "base_model": "some/other-model"})
    handler = user_errors(generate_text)
    args = (registry, tiny_lm.name, "the cat", False, True, replace(GREEDY, max_new_tokens=4), {},
            other)  # fmt: skip
    with pytest.raises(Exception, match="pick some/other-model as the model"):
        list(handler(*args))
