"""What handlers write, said in the page's language by key (components/errors.py user_errors,
components/i18n.py said): a sentence is said in every output and in an error's toast, a user's
or the model's plain text is left alone, for plain and streaming handlers and every shape of
result, in the language of the session whose event runs. And what the Text, Image, Attention,
Embeddings and Fine-tune views write after a click (real handlers on real models, small
settings) is sentences with a translation in Spanish and Chinese, its numbers carried over."""

from __future__ import annotations

import re

import gradio as gr
import pytest
from gradio.context import LocalContext
from starlette.requests import Request

from components import i18n
from components.attention import arithmetic_handlers, lens_handlers
from components.attention.handlers import summary_markdown
from components.errors import user_errors
from components.finetune.data_handlers import inspect_data
from components.finetune.handlers import held_out_status, results_markdown
from components.image import steering_handlers
from components.image.handlers import generate_images
from components.text import branch_handlers, plots, why_handlers
from models.attention.extraction import HeadChoice, extract_attention
from models.attention.head_arithmetic import ArithmeticQuery
from models.builtin import MINILM, SMOLLM2
from models.errors import InvalidInputError
from models.finetune.overfit import OverfitResult
from models.finetune.settings import TrainedAdapter, TrainProgress
from models.image.catalog import OWN_MODEL
from models.image.forward_noise import NoiseView
from models.image.guidance import GridView, PartsView
from models.image.prompt_switch import SwitchView
from models.image.request import ImageRequest
from models.sentences import sentence
from models.text.attribution import AttributionSettings
from models.text.branching import branch_generation, sample_n
from models.text.generation import SamplingSettings, generate, score_tokens

NOTE = sentence("Select a token in the coloured text to see its alternatives.")
SPANISH_NOTE = i18n.translate(NOTE, "es")
CAT = "a red cat on a white background"


def _request(accept: str) -> gr.Request:
    scope = {"type": "http", "headers": [(b"accept-language", accept.encode())],
             "query_string": b"", "path": "/", "method": "GET"}  # fmt: skip
    made = gr.Request(Request(scope))
    made.session_hash = f"spoken-{accept}"  # type: ignore[attr-defined]
    return made


@pytest.fixture()
def in_spanish():
    token = LocalContext.request.set(_request("es-ES,es;q=0.9"))
    yield
    LocalContext.request.reset(token)


def test_a_sentence_is_said_and_a_users_text_keeps_its_words(in_spanish) -> None:
    def plain() -> tuple[str, str]:
        return NOTE, "Select a token in the coloured text to see its alternatives."

    def stream():
        yield NOTE, "typed by a user"
        yield gr.Markdown(NOTE, visible=True), "typed by a user"

    def as_dict() -> dict:
        return {"note": NOTE, "box": "typed by a user"}

    first, streamed, keyed = user_errors(plain), user_errors(stream), user_errors(as_dict)
    # the same words as plain text are a user's or the model's: they reach the page as written
    assert first() == (SPANISH_NOTE, NOTE.template)
    said = list(streamed())
    assert said[0] == (SPANISH_NOTE, "typed by a user")
    assert said[1][0].constructor_args["value"] == SPANISH_NOTE
    assert keyed() == {"note": SPANISH_NOTE, "box": "typed by a user"}
    # Gradio still sees the handler's own signature, so it streams it and passes it a request
    assert gr.utils.get_type_hints(first) == gr.utils.get_type_hints(plain)


def test_an_error_sentence_is_said_and_keeps_its_toast_settings(in_spanish) -> None:
    refusal = "Pick an alternative from the list first, then branch."

    def refuse() -> str:
        raise InvalidInputError(sentence(refusal))

    def refuse_while_streaming():
        yield NOTE
        raise gr.Error("A sentence no catalogue has.", duration=3)

    with pytest.raises(gr.Error) as raised:
        user_errors(refuse)()
    assert raised.value.message == "Primero elige una alternativa de la lista y luego bifurca."
    assert raised.value.print_exception is False  # still the user's to fix, not a server fault
    stream = user_errors(refuse_while_streaming)()
    assert next(stream) == SPANISH_NOTE
    with pytest.raises(gr.Error) as raised:
        next(stream)
    assert raised.value.message == "A sentence no catalogue has." and raised.value.duration == 3


def test_english_outside_an_event_and_for_an_english_browser() -> None:
    said = user_errors(lambda: NOTE)
    assert said() == NOTE  # no event running: a program's call, English
    token = LocalContext.request.set(_request("zh-CN,zh"))
    try:
        assert said() == i18n.translate(NOTE, "zh") != NOTE
        LocalContext.request.set(_request("en-GB"))
        assert said() == NOTE
    finally:
        LocalContext.request.reset(token)


def _assert_said(summary: str, numbers: bool = True) -> None:
    """``summary`` has a translation in each language, with its numbers (in the order the
    language puts them), by the keys of the sentences the handler wrote."""
    assert summary.strip()
    for language in i18n.LANGUAGES[1:]:
        said = str(i18n.said(summary, language))
        for line, said_line in zip(summary.split("\n"), said.split("\n"), strict=True):
            if not re.search("[a-z]", line):
                continue  # an empty line, a table's |---| row
            assert said_line != line, (language, line)
            assert "{" not in said_line
            if numbers:
                assert sorted(re.findall(r"\d+", said_line)) == sorted(re.findall(r"\d+", line)), (
                    said_line
                )


def test_every_line_the_attention_views_write_is_said(real_registry) -> None:
    text = "Alice met Bob at the station. Later, Alice thanked Bob."
    _assert_said(summary_markdown(extract_attention(real_registry, MINILM, text)))
    extracted = extract_attention(real_registry, SMOLLM2, text)
    _assert_said(summary_markdown(extracted))
    summary, _, _ = arithmetic_handlers.show_arithmetic(
        real_registry, extracted, SMOLLM2, text, choice=HeadChoice(layer=16, head=0),
        query=ArithmeticQuery(),
    )  # fmt: skip
    _assert_said(summary)
    lens, summary, _ = lens_handlers.show_lens(real_registry, SMOLLM2, "The city of")
    _assert_said(summary, numbers=False)  # "layer 29" may become "第 29 层": same digits
    assert "**" in i18n.said(summary, "es") and "capa" in i18n.said(summary, "es")
    title, _ = lens_handlers.lens_cell(lens, 0)
    _assert_said(title)


def test_every_line_the_image_views_write_is_said(real_registry) -> None:
    _, summary = generate_images(
        real_registry, OWN_MODEL, ImageRequest(prompt=CAT, steps=2, batch=2)
    )
    _assert_said(summary)
    no_prompt = ImageRequest(prompt="", steps=2, batch=1)
    _, summary = generate_images(real_registry, OWN_MODEL, no_prompt)
    _assert_said(summary)
    assert "incondicional" in i18n.said(summary, "es")
    four = ImageRequest(prompt=CAT, steps=4)
    for view in (
        steering_handlers.guidance_parts_view(real_registry, OWN_MODEL, four, PartsView()),
        steering_handlers.guidance_grid_view(
            real_registry, OWN_MODEL, four, GridView(guidance_values="1, 3", step_values="2, 3")
        ),
        steering_handlers.prompt_switch_view(
            real_registry, OWN_MODEL, four,
            SwitchView(second_prompt="a blue square on a black background", switch_at=2),
        ),
        steering_handlers.forward_noise_view(
            real_registry, OWN_MODEL, NoiseView(shape="cat", colour="green", background="black")
        ),
    ):  # fmt: skip
        _assert_said(view.summary)
    assert "nunca visto en el entrenamiento" in i18n.said(view.summary, "es")


def test_every_line_the_text_views_write_is_said(real_registry) -> None:
    lm = real_registry.load(SMOLLM2)
    settings = SamplingSettings.checked(
        temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=4, repetition_penalty=1.0, seed=11
    )
    samples = sample_n(lm, "Write a story.", settings, 2)
    _assert_said(branch_handlers.sample_summary(samples, 1.0))
    _assert_said(branch_handlers.sample_summary(samples, 0.0))
    result = why_handlers.explain_text(
        real_registry, SMOLLM2, "The capital of France is", " Paris", " London",
        AttributionSettings(integration_steps=4),
    )  # fmt: skip
    _assert_said(why_handlers.attribution_summary(result))
    assert "en lugar de" in i18n.said(why_handlers.attribution_summary(result), "es")
    records = [{"token": "␣Paris", "probability": 0.5, "sampler_probability": 0.75}]
    _assert_said(plots.alternatives_title(records[0], 0))
    _assert_said(branch_handlers.picked_markdown(records, 0))


def test_a_branchs_summary_is_said(real_registry) -> None:
    lm = real_registry.load(SMOLLM2)
    settings = SamplingSettings.checked(
        temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=8, repetition_penalty=1.0, seed=5
    )
    *_, run = generate(lm, "Write a story.", settings, chat=True)
    records = plots.token_records(score_tokens(lm, run, settings), lm.tokenizer)
    index, alternative = branch_handlers.demo_branch_point(records)
    ids = [t.token_id for t in run.tokens]
    branch = branch_generation(lm, "Write a story.", settings, ids, index, alternative, chat=True)
    summary = branch_handlers.branch_summary(branch, "llama.cpp in-process")
    _assert_said(summary)
    assert "desmarca *Motor rápido*" in i18n.said(summary, "es")
    # compared per token (a total favours the shorter text), the mean by its definition
    mean = sum(branch.branch.token_log_probs) / len(branch.branch.token_log_probs)
    assert f"mean ln p {mean:.2f}" in summary and "Por token" in i18n.said(summary, "es")
    assert "random numbers" not in summary  # at temperature 0 nothing is drawn: not the cause


def _adapter(**fields) -> TrainedAdapter:
    curve = [(0, 4.28), (5, 3.13), (10, 3.6), (15, 4.12)]
    made = TrainedAdapter({}, {"r": 8}, SMOLLM2, losses=[3.9, 2.1, 1.2], steps=15, seconds=40.2,
                          held_out=curve, held_out_examples=20, kept_step=5)  # fmt: skip
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def test_every_line_the_finetune_views_write_is_said(real_registry) -> None:
    session = inspect_data(real_registry, "Pirate speak", None)[2]
    session.loss_before, session.loss_after = 4.28, 3.13
    early = sentence(
        "stopped early at step {step}: held-out loss had not improved for {n} evaluations",
        step=15,
        n=2,
    )
    for adapter in (_adapter(), _adapter(stopped=early), _adapter(kept_step=15),
                    _adapter(held_out=[(0, 4.0), (8, 3.0)], steps=8, kept_step=8)):  # fmt: skip
        session.adapter = adapter
        _assert_said(results_markdown(session))
    session.adapter = _adapter(stopped=early)
    assert "La parada temprana terminó" in i18n.said(results_markdown(session), "es")
    progress = TrainProgress(6, 30, 1, 2.345, 12.0, held_out=((0, 4.2), (5, 3.1)), best_step=5)
    assert i18n.said(held_out_status(progress), "es") == "reservados 3.100 (paso 5)"
    for result in (
        OverfitResult(_adapter(), 5, 8, 8),
        OverfitResult(_adapter(), None, 8, 8),
        OverfitResult(_adapter(losses=[]), None, 8, 8),
    ):
        _assert_said(result.summary())
