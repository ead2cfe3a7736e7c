"""A teacher walks the lessons in every language at 1280×720 in presenter mode: each step's
words, its tab, the outlined control, the hidden answer and its reveal, the Next button pressed
from the keyboard; in English every step's demo is run and its result waited for, and the HTML
handout holds the pictures the steps showed. A Spanish or Chinese screen shows none of the bar's
English words. Also: an unknown lesson in a link gives a
one-line notice and the first step; a language without a translation falls back to English.

Each lesson's click-through time goes to test-artifacts/lesson-timings.json (the closing notes
quote it); one picture per lesson to test-artifacts/lesson-<slug>.png, and with UPDATE_TOUR=1
(``make tour``) to docs/tour/ for the README.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect

from components.lessons import handlers
from components.lessons.content import LANGUAGES, LESSONS
from components.lessons.ui_text import UI
from tests.browser.conftest import ARTIFACTS, ROOT, assert_no_errors

VIEWPORT = {"width": 1280, "height": 720}
LOCALES = {"en": "en-US", "es": "es-ES", "zh": "zh-CN"}
# What shows that a step's demo has finished (or, for training, has started).
RESULTS = {
    "text-preset-story": ("#text-status", "ended:"),
    "text-preset-sample": ("#text-sample-summary", "different texts"),
    "text-preset-too-hot": ("#text-status", "ended:"),
    "text-preset-sure": ("#text-status", "ended:"),
    "image-preset-green-cat": ("#image-summary", "images"),
    "image-preset-noise-a-picture": ("#image-noise-summary", "never seen in training"),
    "classifier-train": ("#classifier-summary", "Held-out accuracy"),
    "tokens-preset-english": ("#tokens-view", "characters per token"),
    "embeddings-preset-topics": ("#embeddings-summary", "sentences"),
    "embeddings-preset-umap-vs-pca": ("#embeddings-summary", "sentences"),
    "embeddings-preset-3d": ("#embeddings-summary", "sentences"),
    "attention-preset-previous-token": ("#attention-main .gtitle", "layer 16, head 0"),
    "attention-preset-head-arithmetic": ("#attention-arithmetic-summary", "heatmap's row"),
    "attention-preset-induction": ("#attention-main .gtitle", "layer 18, head 6"),
    "attention-preset-logit-lens": ("#attention-lens-summary", "Click any cell"),
}
# The training demos take a minute or more and have a Cancel button: the walk sees each begin
# (its first words, "Preparing" or "starting": Cancel works from then on), cancels it and waits
# for the run to say so. Their runs to the end are owned by tests/browser/test_finetune_views.py.
CANCELLED = {
    "finetune-preset-pirate": "#finetune-status",
    "finetune-preset-early-stop": "#finetune-status",
    "finetune-preset-overfit": "#finetune-overfit-status",
    "finetune-preset-scratch-vs-pretrained": "#finetune-transfer-status",
}
ENGLISH_WORDS = [UI["en"][key] for key in ("bar", "back", "next", "run", "reveal", "hide",
                 "handout", "question", "answer", "link", "keys")]  # fmt: skip
TOUR = ROOT / "docs" / "tour"


def open_page(browser, language: str, query: str):
    context = browser.new_context(viewport=VIEWPORT, locale=LOCALES.get(language, language))
    page = context.new_page()
    page.goto(query)
    return context, page


def bar_words(page) -> str:
    return page.locator("#lesson-bar").inner_text()


def run_demo(page, press: str) -> None:
    page.locator("#lesson-run").click()
    if press in CANCELLED:
        status = page.locator(CANCELLED[press])
        expect(status).to_contain_text(re.compile(r"Preparing|starting|step \d+ of \d+"))
        page.locator("#finetune-cancel").click()
        expect(status).to_contain_text("Cancelled")
        return
    selector, text = RESULTS[press]
    expect(page.locator(selector).first).to_contain_text(text)


def lesson_picture(page, slug: str) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")
    path = ARTIFACTS / f"lesson-{slug}.png"
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_TOUR") == "1":
        TOUR.mkdir(parents=True, exist_ok=True)
        picture = Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
        picture.save(TOUR / f"lesson-{slug}.png", optimize=True)


def handout_has_pictures(page, slug: str, app_url: str) -> None:
    page.locator("#lesson-handout").click()
    link = page.locator(f'#lesson-files a[download="lesson-{slug}-en.html"]')
    expect(link).to_be_attached()
    handout = page.request.get(link.get_attribute("href")).text()
    pictures = handout.count('<img src="data:image/png;base64,')
    assert pictures >= 1, f"{slug}: no picture in the handout"
    # "Try it live" opens the page at the step (it once pointed at the event's queue address)
    assert f'href="{app_url}?lesson={slug}&amp;step=1"' in handout, f"{slug}: link"
    assert "gradio_api/queue" not in handout
    (ARTIFACTS / f"lesson-{slug}-en.html").write_text(handout, encoding="utf-8")
    expect(page.locator(f'#lesson-files a[download="lesson-{slug}-en.md"]')).to_be_attached()


# English walks every lesson and runs every demo. A translated walk checks that the page shows
# the bar's and the steps' words in that language, the same mechanism for every lesson, so it
# walks lessons that between them visit every tab; that every step of every lesson has its words
# in every language is tests/test_lessons.py's (no browser needed for that).
WALKED = {
    "en": [lesson.slug for lesson in LESSONS],
    "es": ["life-cycle"],  # finetune, image, models, tokens
    "zh": ["generative-vs-predictive", "transformers"],  # embeddings, image, text, attention
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_walk_every_lesson(browser, app_url: str, language: str) -> None:
    timings: dict[str, float] = {}
    context = browser.new_context(viewport=VIEWPORT, locale=LOCALES.get(language, language))
    for lesson in (lesson for lesson in LESSONS if lesson.slug in WALKED[language]):
        started = time.monotonic()
        page = context.new_page()  # a page per lesson, in one browser of this language
        page.goto(f"{app_url}?lesson={lesson.slug}&mode=presenter")
        try:
            text = UI[language]
            expect(page.locator("#lesson-say")).to_be_visible()
            for number, step in enumerate(lesson.steps, 1):
                said = step.words[language]
                progress = text["step"].format(
                    n=number, total=len(lesson.steps), tab=handlers.tab_name(step.tab, language)
                )
                expect(page.locator("#lesson-progress")).to_contain_text(progress)
                expect(page.locator("#lesson-say")).to_contain_text(said.say)
                expect(page.locator("#lesson-question")).to_contain_text(said.question)
                expect(page.locator("#lesson-answer")).to_be_hidden()
                tab = page.get_by_role(
                    "tab", name=handlers.tab_name(step.tab, language), exact=True
                )
                expect(tab).to_have_attribute("aria-selected", "true")
                if language == "en" and step.press:
                    run_demo(page, step.press)
                    # this demo is run by no other browser test: its tab shows no error
                    assert_no_errors(page, f"{lesson.slug} step {number}: {step.press}")
                pointed = page.locator(f"#{step.point}")
                if language == "en" or pointed.count():  # (a plot a demo shows appears with it)
                    expect(pointed).to_have_css("outline-style", "solid")
                page.locator("#lesson-reveal").click()
                expect(page.locator("#lesson-answer")).to_contain_text(said.answer)
                if language != "en":
                    shown = bar_words(page)
                    left = [w for w in ENGLISH_WORDS if w in shown]
                    assert not left, f"{lesson.slug} step {number}: English left: {left}"
                if number == 2:
                    page.locator("#lesson-bar").scroll_into_view_if_needed()
                    if language == "en":
                        lesson_picture(page, lesson.slug)
                if number < len(lesson.steps):
                    page.locator("#lesson-next").focus()
                    page.keyboard.press("Enter")  # the keyboard alone moves a lesson on
                    expect(page.locator("#lesson-progress")).to_contain_text(
                        text["step"].format(
                            n=number + 1, total=len(lesson.steps),
                            tab=handlers.tab_name(lesson.steps[number].tab, language),
                        )
                    )  # fmt: skip
            if language == "en":  # every demo ran: the handout shows what the steps showed
                handout_has_pictures(page, lesson.slug, app_url)
            page.keyboard.press("Alt+ArrowLeft")
            expect(page.locator("#lesson-progress")).to_contain_text(
                text["step"].format(
                    n=len(lesson.steps) - 1, total=len(lesson.steps),
                    tab=handlers.tab_name(lesson.steps[-2].tab, language),
                )
            )  # fmt: skip
            assert_no_errors(page, f"{lesson.slug} in {language}")
        finally:
            page.close()
        timings[lesson.slug] = round(time.monotonic() - started, 1)
    context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    record = ARTIFACTS / "lesson-timings.json"
    known = json.loads(record.read_text()) if record.exists() else {}
    known[language] = timings
    record.write_text(json.dumps(known, indent=2))


def test_unknown_lesson_and_untranslated_language_are_said_once(browser, app_url: str) -> None:
    context, page = open_page(browser, "fr-FR", f"{app_url}?lesson=nope&step=3")
    try:
        notice = page.locator("#lesson-notice")
        expect(notice).to_contain_text("There is no lesson nope")
        expect(notice).to_contain_text("no translation for fr-fr")
        expect(page.locator("#lesson-progress")).to_contain_text("Step 1 of 4")
        # The load chain ends by setting the page's language (SET_LOCALE_JS); a click before
        # that can be undone by the chain's late outputs (a loaded CI run saw the radio revert).
        page.locator("html[data-pg-locale]").wait_for(state="attached")
        page.locator("#lesson-language").get_by_label("中文").click()
        expect(page.locator("#lesson-progress")).to_contain_text("第 1 步，共 4 步")
        page.locator("#lesson-handout").click()
        expect(page.locator('#lesson-files a[download$="-zh.md"]')).to_be_attached()
    finally:
        context.close()


def test_a_dark_system_setting_gives_a_dark_page_with_readable_lessons(browser, app_url) -> None:
    context = browser.new_context(viewport=VIEWPORT, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(f"{app_url}?lesson=embeddings")
        expect(page.locator("#lesson-say")).to_contain_text("An embedding")
        colours = page.evaluate(
            """() => {
                const rgb = (c) => c.match(/\\d+/g).slice(0, 3).map(Number);
                const luminance = (c) => rgb(c).reduce((a, b) => a + b, 0) / 3;
                const text = getComputedStyle(document.querySelector('#lesson-say p'));
                const page = getComputedStyle(document.querySelector('.gradio-container'));
                return {text: luminance(text.color), page: luminance(page.backgroundColor),
                        dark: document.body.classList.contains('dark')
                              || document.documentElement.classList.contains('dark')};
            }"""
        )
        assert colours["dark"], colours
        assert colours["text"] > 150, colours  # light words on a dark page
        assert_no_errors(page, "the dark theme")
    finally:
        context.close()
