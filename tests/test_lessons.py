"""The lessons: 4-8 steps each, every step and every word of the bar in every language (and not
left in English), every control a step presses, opens or points at exists in the real app, the
deep link's lesson and step with a notice for unknown ones, the browser's language with a notice
when there is no translation, and the handout."""

from __future__ import annotations

import base64
import io
import json
import re

import gradio as gr
import pytest
from PIL import Image

from app import build_app
from components.deep_links import page_address
from components.lessons import handlers, handout
from components.lessons.content import LANGUAGES, LESSONS
from components.lessons.ui_text import UI
from components.safe_text import escape_markdown
from components.tabs import TAB_IDS
from models.builtin import default_registry
from models.errors import InvalidInputError


def test_every_lesson_has_four_to_eight_steps_in_every_language() -> None:
    assert len(LESSONS) == 5 and len({lesson.slug for lesson in LESSONS}) == 5
    for lesson in LESSONS:
        assert 4 <= len(lesson.steps) <= 8, lesson.slug
        assert set(lesson.titles) == set(LANGUAGES)
        for number, step in enumerate(lesson.steps, 1):
            assert step.tab in TAB_IDS, (lesson.slug, number)
            assert set(step.words) == set(LANGUAGES), (lesson.slug, number)
            english = step.words["en"]
            for language in LANGUAGES[1:]:
                said = step.words[language]
                for field in ("say", "question", "answer"):
                    text = getattr(said, field)
                    assert text.strip(), (lesson.slug, number, language, field)
                    assert text != getattr(english, field), (lesson.slug, number, language)
                assert said.question.rstrip().endswith(("?", "？")), (lesson.slug, number)


def test_the_bar_is_translated_word_for_word() -> None:
    for language in LANGUAGES[1:]:
        assert set(UI[language]) == set(UI["en"])
        for key, english in UI["en"].items():
            assert UI[language][key] != english, (language, key)
            # the same placeholders, so a sentence never loses its number or name
            assert sorted(_fields(UI[language][key])) == sorted(_fields(english)), (language, key)


def _fields(text: str) -> list[str]:
    return [part.split("}")[0] for part in text.split("{")[1:]]


@pytest.fixture(scope="module")
def app_ids() -> set[str]:
    demo = build_app(default_registry())  # builds the page; loads no model
    return {block.elem_id for block in demo.blocks.values() if getattr(block, "elem_id", None)}


def test_every_control_a_step_names_is_in_the_app(app_ids) -> None:
    for lesson in LESSONS:
        for number, step in enumerate(lesson.steps, 1):
            for elem_id in (step.press, step.point, step.opens):
                assert not elem_id or elem_id in app_ids, (lesson.slug, number, elem_id)
    for elem_id in ("lesson-bar", "lesson-next", "lesson-back", "lesson-run", "lesson-reveal"):
        assert elem_id in app_ids


def test_step_views_count_from_one_and_link_to_themselves() -> None:
    view = handlers.step_view(3, 1, "es")
    assert "Paso 2 de 5 · pestaña Atención" in view.progress
    assert view.link == "?lesson=transformers&step=2"
    assert view.question.startswith("**Pregunta:**") and view.answer.startswith("**Respuesta:**")
    assert handlers.step_view(0, 0, "fr").progress == handlers.step_view(0, 0, "en").progress
    assert handlers.moved((0, 0), -1) == (0, 0)
    assert handlers.moved((0, 3), 1) == (0, 3)  # the last step of the first lesson stays
    assert handlers.moved("junk", 1) == (0, 1)


def test_deep_links_and_their_notices() -> None:
    assert handlers.lesson_from_link({}, "en") == (None, "")
    assert handlers.lesson_from_link({"lesson": "embeddings", "step": "3"}, "en") == ((2, 2), "")
    position, notice = handlers.lesson_from_link({"lesson": "nope"}, "en")
    assert position == (0, 0) and "There is no lesson `nope`" in notice
    position, notice = handlers.lesson_from_link({"lesson": "embeddings", "step": "9"}, "zh")
    assert position == (2, 0) and "共有 4 步" in notice
    position, notice = handlers.lesson_from_link({"lesson": "Embeddings", "step": "x"}, "es")
    assert position == (2, 0) and "tiene 4 pasos" in notice


@pytest.mark.parametrize("step", ["²", "٣", "1" * 5_000, "-1", "2.5"])
def test_a_step_int_refuses_is_the_first_step_with_a_notice(step: str) -> None:
    """Issue 33: "²" is a digit to str.isdigit but not to int(), and 5,000 digits are past
    int()'s limit: both used to raise ValueError in the page's load event."""
    position, notice = handlers.lesson_from_link({"lesson": "embeddings", "step": step}, "en")
    assert position == (2, 0) and "has 4 steps" in notice


@pytest.mark.parametrize("value", ["es\u202eevil", "\ud800-es", "x\u2066y\x00z" * 50])
def test_link_values_are_quoted_without_bidi_controls_or_broken_text(value: str) -> None:
    _, notice = handlers.language_of(value)
    _, lesson_notice = handlers.lesson_from_link({"lesson": value}, "en")
    for said in (notice, lesson_notice):
        assert not re.search("[\u202a-\u202e\u2066-\u2069\x00\ud800-\udfff]", said), said
        said.encode("utf-8")  # no lone surrogate left to fail the page's answer
        assert len(said) < 300


def test_the_language_follows_the_browser_and_falls_back_to_english() -> None:
    assert handlers.language_of("es-ES") == ("es", "")
    assert handlers.language_of("zh-CN") == ("zh", "")
    assert handlers.language_of("en-GB") == ("en", "")
    assert handlers.language_of("zh-CN", "es") == ("es", "")  # ?lang= in a link wins
    language, notice = handlers.language_of("fr-FR")
    assert language == "en" and "no translation for `fr-fr`" in notice
    assert handlers.language_of("") == ("en", "")


def test_the_handout_holds_every_step_with_its_answer_and_link() -> None:
    markdown, page = handlers.handout(2, "zh", "http://host/")
    text = markdown.read_text(encoding="utf-8")
    lesson = LESSONS[2]
    assert text.startswith(f"# {lesson.titles['zh']}")
    for number, step in enumerate(lesson.steps, 1):
        assert step.words["zh"].say in text and step.words["zh"].answer in text
        assert f"(http://host/?lesson=embeddings&step={number})" in text
    assert markdown.name == "lesson-embeddings-zh.md" and page.name == "lesson-embeddings-zh.html"
    assert "<img" not in page.read_text(encoding="utf-8")  # no step was seen: words only


def _png(size: tuple[int, int], colour: str) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return handout.PNG_PREFIX + base64.b64encode(buffer.getvalue()).decode()


def test_the_handout_carries_what_each_step_showed_checked_and_as_text() -> None:
    shots = {
        "embeddings:0": {"picture": _png((3000, 1500), "red")},  # too big: shrunk
        "embeddings:1": {"text": "<b>a story</b> with *stars*"},  # user text: shown as text
        "embeddings:2": {"picture": "data:image/png;base64,bm90IGEgcGljdHVyZQ=="},  # not a PNG
        "embeddings:3": {"picture": "data:image/svg+xml;base64,PHN2Zz4="},  # not a PNG at all
        "transformers:0": {"text": "another lesson's step"},  # not this lesson
    }
    markdown, page = handlers.handout(2, "es", "http://host/", json.dumps(shots))
    html_text = page.read_text(encoding="utf-8")
    pictures = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html_text)
    assert len(pictures) == 1
    with Image.open(io.BytesIO(base64.b64decode(pictures[0]))) as shown:
        assert shown.format == "PNG" and max(shown.size) == handout.MAX_PICTURE_SIDE
        assert shown.getpixel((5, 5)) == (255, 0, 0)
    assert "&lt;b&gt;a story&lt;/b&gt; with *stars*" in html_text and "<b>a story" not in html_text
    assert "another lesson" not in html_text
    text = markdown.read_text(encoding="utf-8")
    assert "> " + escape_markdown("<b>a story</b> with *stars*") in text  # quoted, as text
    assert "la imagen que mostró este paso está en el folleto HTML" in text
    assert handout.parse_shots("not json", LESSONS[2]) == {}
    with pytest.raises(InvalidInputError, match="Reload the page"):  # tests/test_handout_input.py
        handout.parse_shots("x" * (handout.MAX_SHOTS_CHARS + 1), LESSONS[2])


def test_a_table_a_step_showed_is_a_table_in_both_handouts() -> None:
    """Issue 28 item 7: a table came out one cell per line. The page sends it as rows of cells;
    the Markdown has a table (cells escaped: a "|" in a cell cannot split it), the HTML too."""
    rows = [["model", "kind"], ["SmolLM2 | 135M", "causal-lm"], ["<b>x</b>", 3]]
    shots = {"life-cycle:4": {"table": rows}, "life-cycle:5": {"table": [["only"], "not a row"]}}
    markdown, page = handlers.handout(1, "en", "http://host/", json.dumps(shots))
    text = markdown.read_text(encoding="utf-8")
    assert "| model | kind |\n| --- | --- |\n| SmolLM2 \\| 135M | causal\\-lm |" in text
    assert "| &lt;b\\>x&lt;/b\\> | 3 |" in text  # markup in a cell is text
    html_text = page.read_text(encoding="utf-8")
    assert "<tr><th>model</th><th>kind</th></tr>" in html_text and "<b>x</b>" not in html_text
    assert html_text.count("<table>") == 1  # a list holding a non-row is no table


def test_a_handout_link_opens_the_page_not_the_queue() -> None:
    """Issue 28 item 7: every "Try it live" link pointed at /gradio_api/queue/join/?lesson=…
    (the address of the event's request), which answers "Method Not Allowed"."""
    from starlette.requests import Request

    def request(path: str, headers: dict[str, str] | None = None, root: str = "") -> Request:
        raw = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        scope = {"type": "http", "method": "POST", "scheme": "http", "path": path,
                 "query_string": b"", "headers": [(b"host", b"127.0.0.1:7860"), *raw],
                 "server": ("127.0.0.1", 7860), "root_path": root}  # fmt: skip
        return gr.Request(Request(scope))

    assert page_address(request("/gradio_api/queue/join")) == "http://127.0.0.1:7860/"
    behind_proxy = {"x-forwarded-host": "me-playground.hf.space", "x-forwarded-proto": "https"}
    assert page_address(request("/gradio_api/queue/join", behind_proxy)) == (
        "https://me-playground.hf.space/"
    )
    assert page_address(None) == ""


def test_press_and_point_targets_name_the_step_controls() -> None:
    run = json.loads(handlers.press_target((0, 2)))
    assert run == {
        "press": "classifier-train",
        "point": "classifier-summary",
        "opens": "classifier",
        "key": "generative-vs-predictive:2",  # what the handout files this step's picture under
    }
    assert json.loads(handlers.point_target((0, 2)))["press"] == ""
    assert handlers.tab_of((3, 0)) == "attention"
    assert isinstance(gr.Tabs(selected=handlers.tab_of((0, 0))), gr.Tabs)
