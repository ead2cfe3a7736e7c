"""Text tab: sampler math, input validation, seeded streaming generation, stop, probability
colouring and the handlers, on a tiny seeded Llama (tests/tiny_models.py).

The fast engine (llama.cpp) is checked against fp32 in tests/test_text_backend_llamacpp.py.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace

import gradio as gr
import pytest
import torch

from components.endpoints import endpoint
from components.errors import user_errors
from components.text import plots as text_view
from components.text.handlers import (
    ExplorerView,
    arm_stop,
    generate_text,
    show_alternatives,
    stop_generation,
    throttled,
    token_probabilities,
)
from models.builtin import external_spec
from models.errors import InvalidInputError
from models.registry import Registry
from models.text.decode_loop import DecodeLoop
from models.text.generation import (
    MAX_PROMPT_TOKENS,
    SamplingSettings,
    generate,
    prepare_prompt,
    score_tokens,
)
from models.text.sampler import (
    apply_repetition_penalty,
    entropy_bits,
    kept_count,
    sampler_probabilities,
)
from tests.tiny_models import save_tiny_causal_lm

CREATIVE = SamplingSettings(temperature=1.5, top_k=0, top_p=1.0, max_new_tokens=24, seed=3)


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Registry:
    folder = save_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))
    registry = Registry()
    registry.register(external_spec("causal-lm", str(folder)))
    return registry


@pytest.fixture(scope="module")
def lm(registry: Registry):
    return registry.load(registry.default("causal-lm"))


# -- the sampler ---------------------------------------------------------------------------------
LOGITS = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0, -3.0])


def test_temperature_zero_is_greedy_and_lower_temperature_sharpens() -> None:
    greedy = sampler_probabilities(LOGITS, 0.0, 0, 1.0)
    assert greedy.tolist() == [1.0, 0, 0, 0, 0, 0]
    sharp, plain, flat = (sampler_probabilities(LOGITS, t, 0, 1.0) for t in (0.5, 1.0, 2.0))
    assert torch.allclose(plain, torch.softmax(LOGITS, -1))
    assert sharp[0] > plain[0] > flat[0]
    assert entropy_bits(sharp) < entropy_bits(plain) < entropy_bits(flat)
    for probs in (sharp, plain, flat):
        assert math.isclose(float(probs.sum()), 1.0, rel_tol=1e-6)


def test_top_k_keeps_exactly_k_tokens() -> None:
    probs = sampler_probabilities(LOGITS, 1.0, 2, 1.0)
    assert kept_count(probs) == 2 and probs[2:].sum() == 0
    top2 = torch.softmax(LOGITS[:2], -1)
    assert torch.allclose(probs[:2], top2)


def test_top_p_keeps_the_smallest_set_reaching_p() -> None:
    plain = torch.softmax(LOGITS, -1)  # about [.54, .20, .12, .07, .03, .00]
    probs = sampler_probabilities(LOGITS, 1.0, 0, 0.7)
    assert kept_count(probs) == 2  # .54 < .7 <= .54 + .20
    assert torch.allclose(probs[:2], plain[:2] / plain[:2].sum())
    assert kept_count(sampler_probabilities(LOGITS, 1.0, 0, 0.01)) == 1  # always one survivor


def test_repetition_penalty_lowers_tokens_already_seen() -> None:
    penalized = apply_repetition_penalty(LOGITS, [0, 4], 2.0)
    assert penalized[0] == 1.0 and penalized[4] == -2.0  # positive divided, negative multiplied
    assert torch.equal(penalized[[1, 2, 3, 5]], LOGITS[[1, 2, 3, 5]])
    assert torch.equal(apply_repetition_penalty(LOGITS, [0], 1.0), LOGITS)


# -- validation ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "field, value",
    [
        ("temperature", float("nan")),
        ("temperature", -0.1),
        ("temperature", float("inf")),
        ("temperature", "hot"),
        ("top_k", 1.5),
        ("top_k", -1),
        ("top_k", 10**9),
        ("top_p", 0),
        ("top_p", 1.5),
        ("max_new_tokens", 0),
        ("max_new_tokens", 100_000),
        ("max_new_tokens", float("nan")),
        ("repetition_penalty", 0.5),
        ("seed", 2**40),
        ("seed", "abc"),
        ("temperature", True),
        ("top_k", None),
    ],
)
def test_out_of_range_settings_are_refused_with_a_sentence(field: str, value: object) -> None:
    with pytest.raises(InvalidInputError, match=field.replace("_", ".")):
        SamplingSettings.checked(**{field: value})


def test_valid_settings_are_accepted_and_seed_minus_one_means_random() -> None:
    settings = SamplingSettings.checked(
        temperature=0, top_k=0, top_p=1, max_new_tokens=512, repetition_penalty=2, seed=-1
    )
    assert settings == SamplingSettings(
        temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=512, repetition_penalty=2.0, seed=None
    )
    assert SamplingSettings.checked(seed=7.0).seed == 7
    assert SamplingSettings.checked(top_k="40").top_k == 40  # numbers as text, as JSON may send


@pytest.mark.parametrize("prompt", ["", "   \n", None, 42])
def test_empty_or_non_text_prompt_is_refused(lm, prompt: object) -> None:
    with pytest.raises(InvalidInputError, match="prompt is empty"):
        prepare_prompt(lm, prompt, chat=False, max_new_tokens=10)


def test_too_long_prompts_are_cut_with_a_notice_or_refused(lm) -> None:
    words = "the cat sat on the mat " * 400  # 2400 tokens
    prepared = prepare_prompt(lm, words, chat=False, max_new_tokens=10)
    assert len(prepared.ids) == min(MAX_PROMPT_TOKENS, 64 - 10)  # tiny model: 64-token window
    assert "only its first 54 were used" in prepared.notice
    assert prepared.ids[:6] == lm.tokenizer("the cat sat on the mat")["input_ids"][:6]
    with pytest.raises(InvalidInputError, match="characters"):
        prepare_prompt(lm, "x" * 20_001, chat=False, max_new_tokens=10)
    with pytest.raises(InvalidInputError, match="at most 63 new tokens"):
        prepare_prompt(lm, "the cat", chat=False, max_new_tokens=64)


def test_chat_mode_without_a_chat_template_says_so(lm) -> None:
    prepared = prepare_prompt(lm, "hello world 🐱 東京", chat=True, max_new_tokens=5)
    assert "no chat template" in prepared.notice and prepared.ids


# -- generation ----------------------------------------------------------------------------------
def final(lm, prompt: str, settings: SamplingSettings, **kwargs):
    runs = list(generate(lm, prompt, settings, chat=False, **kwargs))
    assert runs[-1].finished
    return runs


def test_a_fixed_seed_gives_identical_output_and_others_differ(lm) -> None:
    first = final(lm, "the cat", CREATIVE)[-1]
    again = final(lm, "the cat", CREATIVE)[-1]
    other = final(lm, "the cat", SamplingSettings(**{**CREATIVE.__dict__, "seed": 4}))[-1]
    ids = [t.token_id for t in first.tokens]
    assert len(ids) > 3 and ids == [t.token_id for t in again.tokens]
    assert first.text == again.text and first.seed == 3
    assert ids != [t.token_id for t in other.tokens]


def test_random_seed_is_reported_and_reproduces_the_text(lm) -> None:
    random_run = final(lm, "the dog", SamplingSettings(**{**CREATIVE.__dict__, "seed": None}))[-1]
    replay = final(
        lm, "the dog", SamplingSettings(**{**CREATIVE.__dict__, "seed": random_run.seed})
    )
    assert replay[-1].text == random_run.text


def test_greedy_ignores_the_seed_and_streams_token_by_token(lm) -> None:
    greedy = SamplingSettings(temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=8, seed=1)
    counts = [len(run.tokens) for run in generate(lm, "the cat", greedy, chat=False)]
    assert counts[:-1] == list(range(1, len(counts)))  # one yield per new token, then the end
    run = final(lm, "the cat", greedy)[-1]
    other = final(lm, "the cat", SamplingSettings(**{**greedy.__dict__, "seed": 99}))[-1]
    assert run.text == other.text
    assert "".join(t.piece for t in run.tokens) == run.text


def test_stop_event_ends_generation_and_a_second_stop_is_harmless(lm) -> None:
    stop = threading.Event()
    runs = []
    for run in generate(lm, "the cat", CREATIVE, chat=False, stop=stop):
        runs.append(len(run.tokens))
        if len(run.tokens) == 3:
            stop.set()
            stop.set()
    assert run.finished and run.stop_reason == "stopped" and len(run.tokens) == 3
    stop_generation({"stop": stop})  # pressing Stop again, or with no run, does nothing bad
    stop_generation({})
    stop_generation(None)


def test_a_stop_pressed_before_the_run_starts_ends_that_run(registry: Registry) -> None:
    """The Generate click arms the coming run's stop event (``arm_stop``): a Stop that reaches the
    server before the run has started (queued, loading, or a page slow to send the click) is
    that run's, and it ends at once instead of writing to its end. An API call, with no click,
    gets a fresh event: an old Stop never ends it."""
    control: dict = {}
    arm_stop(control)
    stop_generation(control)  # pressed before the run began
    name = registry.default("causal-lm")
    hot = SamplingSettings(temperature=1.5, top_k=0, top_p=1.0, repetition_penalty=1.0, seed=3)
    *_, (text, status, *_) = generate_text(
        registry, name, "the cat", False, False, replace(hot, max_new_tokens=32), control
    )
    assert "ended: stopped" in status and len(text.split()) <= 1
    *_, (text, status, *_) = generate_text(
        registry, name, "the cat", False, False, replace(hot, max_new_tokens=8), control
    )  # the next run, from the API: not stopped by the earlier press
    assert "ended: stopped" not in status


# -- the exact decode loop ----------------------------------------------------------------------
def test_hand_written_float_loop_matches_the_transformers_forward(lm) -> None:
    ids = lm.tokenizer("the cat sat on the mat in the park")["input_ids"]
    with torch.inference_mode():
        reference = lm.model(torch.tensor([ids])).logits[0]
    decoder = DecodeLoop.for_model(lm.model).new_sequence(32)
    assert torch.allclose(decoder.start(ids, all_logits=True), reference, atol=1e-5)
    decoder = DecodeLoop.for_model(lm.model).new_sequence(32)
    decoder.start(ids[:4])
    stepped = [decoder.step(token)[0] for token in ids[4:]]
    assert torch.allclose(torch.stack(stepped), reference[4:], atol=1e-4)


def test_the_decode_loop_is_built_once_per_model_and_copies_no_weights(lm) -> None:
    loop = DecodeLoop.for_model(lm.model)
    assert DecodeLoop.for_model(lm.model) is loop and loop.llama is not None
    first = loop.llama.layers[0].proj.down.weight
    assert first.data_ptr() == lm.model.model.layers[0].mlp.down_proj.weight.data_ptr()


# -- probabilities and colouring -----------------------------------------------------------------
def test_scored_probabilities_are_the_fp32_models_own(lm) -> None:
    run = final(lm, "the cat", CREATIVE)[-1]
    scored = score_tokens(lm, run, CREATIVE)
    ids = run.prompt_ids + [t.token_id for t in run.tokens]
    with torch.inference_mode():
        probs = torch.softmax(lm.model(torch.tensor([ids])).logits[0], -1)
    for offset, token in enumerate(scored):
        expected = probs[len(run.prompt_ids) + offset - 1, token.token_id]
        assert math.isclose(token.probability, float(expected), rel_tol=1e-4)
        listed = [a.model_probability for a in token.alternatives]
        assert listed == sorted(listed, reverse=True) and listed[0] >= token.probability


@pytest.mark.parametrize(
    "probability, label",
    [(1.0, "≥ 90%"), (0.9, "≥ 90%"), (0.89, "50–90%"), (0.3, "20–50%"), (0.05, "5–20%"),
     (0.049, "< 5%"), (0.0, "< 5%")],
)  # fmt: skip
def test_probability_buckets(probability: float, label: str) -> None:
    assert text_view.probability_bucket(probability) == label


def test_generate_text_handler_streams_then_colours_every_token(registry, lm) -> None:
    name = registry.default("causal-lm")
    control: dict = {}
    sampling = SamplingSettings(
        temperature=1.5, top_k=0, top_p=1.0, max_new_tokens=12, repetition_penalty=1.0, seed=11
    )
    updates = list(generate_text(registry, name, "the cat", False, True, sampling, control))
    streamed = [u for u in updates if u[2] is None and u[0]]
    assert streamed and "Generating" in streamed[0][1]
    text, status, coloured, records = updates[-1]
    assert "seed **11**" in status and isinstance(control["stop"], threading.Event)
    assert "".join(piece for piece, _ in coloured) == text
    assert [label for _, label in coloured] == [
        text_view.probability_bucket(r["probability"]) for r in records
    ]
    title, chart, table = show_alternatives(
        records, gr.SelectData(None, {"index": 1, "value": None})
    )
    assert "Token 2" in title and len(table) == min(10, len(lm.tokenizer))
    assert chart is not None and table[0][1].endswith("%")
    assert show_alternatives(records, gr.SelectData(None, {"index": 999, "value": None}))[1] is None


def test_streamed_states_are_thinned_out_but_every_final_update_passes() -> None:
    """A browser re-renders every update; one per token kept a loaded page from running a Stop
    click until the text had ended. The clock is the test's, so timing cannot change this."""
    times = iter([0.0, 0.01, 0.05, 0.09, 0.10, 0.16, 0.30])
    streaming = [
        (f"t{i}", f"{text_view.STREAMING}seed **1** · {i} tokens", None, []) for i in range(7)
    ]
    final = [("t7", "seed **1** · Scoring tokens…", None, []), ("t7", "seed **1**", [], [])]
    passed = list(throttled([*streaming, *final], every=0.08, clock=lambda: next(times)))
    # 0.0 passes; 0.01 and 0.05 are too soon; 0.09 passes; 0.10 and 0.16 are too soon; 0.30 passes
    assert [u[0] for u in passed] == ["t0", "t3", "t6", "t7", "t7"]
    assert passed[-2:] == final


def test_handlers_turn_bad_input_into_messages(registry) -> None:
    """As Gradio calls them: each setting by name, checked into its object (endpoint)."""
    name = registry.default("causal-lm")

    def generate(prompt: str, model: str, *, sampling: SamplingSettings):
        yield from generate_text(registry, model, prompt, False, True, sampling)

    def explore(*, view: ExplorerView):
        return token_probabilities(registry, name, "the cat", False, SamplingSettings(), view)

    handler = user_errors(endpoint(generate, sampling=SamplingSettings))
    short = {"max_new_tokens": 5, "seed": 1}
    with pytest.raises(gr.Error, match="temperature must be a number"):
        list(handler("the cat", name, temperature=float("nan"), **short))
    with pytest.raises(gr.Error, match="prompt is empty"):
        list(handler("", name, **short))
    with pytest.raises(gr.Error, match="No model named"):
        list(handler("the cat", "nope", **short))
    with pytest.raises(gr.Error, match="tokens shown"):
        user_errors(endpoint(explore, view=ExplorerView))(shown=500)


def test_token_probabilities_shows_before_and_after_the_sampler(registry) -> None:
    name = registry.default("causal-lm")
    sampler = SamplingSettings(temperature=1, top_k=3, top_p=1, repetition_penalty=1)
    summary, _chart, table = token_probabilities(
        registry, name, "the cat", False, sampler, ExplorerView(shown=8)
    )
    assert len(table) == 8 and "**3** can be picked" in summary
    after = [row[2] for row in table]
    assert sum(value != "0.0%" for value in after) == 3
    greedy_sampler = SamplingSettings(temperature=0, top_k=0, top_p=1, repetition_penalty=1)
    _, _, greedy = token_probabilities(
        registry, name, "the cat", False, greedy_sampler, ExplorerView(shown=5)
    )
    assert greedy[0][2] == "100.0%" and all(row[2] == "0.0%" for row in greedy[1:])


def test_the_tab_is_built_with_its_two_public_endpoints(registry) -> None:
    from app import build_app

    demo = build_app(registry)
    public = {dep.api_name for dep in demo.fns.values() if dep.api_visibility == "public"}
    assert {"generate_text", "token_probabilities"} <= public


def test_probabilities_are_shown_in_one_format() -> None:
    from components.text.plots import percent

    shown = [percent(p) for p in (0.123, 0.001, 0.00082, 0.0001, 0.0000987, 0.0)]
    assert shown == ["12.3%", "0.1%", "0.082%", "0.01%", "< 0.01%", "0.0%"]
    assert all(s.endswith("%") for s in shown)
