"""The first screen a visitor sees: nothing they did not cause shows an error.

A plain page load used to paint red "Error" badges over most controls (each tab's deep-link chain
ran on load and was stopped with an error on purpose), and no test looked. These tests open every
tab after a plain load, after every demo's deep link, and after a cancelled training run, and fail
on any error badge or error toast; the server's log must show no traceback for a plain load.
Each waits on the app's own signals (a status text, a drawn plot), never on a fixed delay.

Who owns what: this file owns "a demo's link runs it and no tab shows an error", for the demos
no other browser test runs. A demo that a lesson step runs (tests/browser/test_lessons.py walks
every step in English, runs its demo and checks its tab for errors) or that a presenter test
opens by its link (tests/browser/test_presenter.py, with the same sweep of every tab) is not run
twice;
test_every_demo_is_run_by_one_browser_test checks that together they run every demo. A demo that
trains for a minute or more is seen to begin here and is then cancelled; its run to the end is
owned by tests/browser/test_finetune_views.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from components.attention.presets import INSIDE_PRESETS
from components.attention.presets import PRESETS as ATTENTION_PRESETS
from components.embeddings.presets import EMBEDDING_PRESETS
from components.finetune.presets import DYNAMICS_PRESETS, FINETUNE_PRESETS
from components.image.presets import IMAGE_PRESETS, VIEW_PRESETS
from components.lessons.content import LESSONS
from components.text.presets import TEXT_PRESETS
from components.tokens.presets import TOKENS_PRESETS
from tests.browser.conftest import TABS, assert_no_errors, assert_no_errors_on_any_tab

# What shows that a tab's demo has finished: (selector, text it contains).
RESULT = {
    "text": ("#text-status", "ended:"),
    "image": ("#image-summary", "images"),
    "embeddings": ("#embeddings-summary", "sentences"),
    "attention": ("#attention-main .gtitle", "layer"),
    "tokens": ("#tokens-view", "characters per token"),
    "finetune": ("#finetune-status", "Done"),
}
# Demos that end somewhere else than their tab's result: the views inside a tab.
RESULT_OF_DEMO = {
    ("image", "guidance-apart"): ("#image-guidance-summary", "taken apart at steps"),
    ("image", "switch-prompt"): ("#image-switch-summary", "closer to"),
    ("image", "noise-a-picture"): ("#image-noise-summary", "never seen in training"),
    ("text", "branch"): ("#text-branch-summary", "Branched at token"),
    ("text", "sample"): ("#text-sample-summary", "different texts out of"),
    ("text", "why"): ("#text-why-summary", "rather than"),
    ("attention", "head-arithmetic"): ("#attention-arithmetic-summary", "heatmap's row"),
    ("attention", "logit-lens"): ("#attention-lens-summary", "Click any cell"),
    # the Fine-tune tab's learning-dynamics views
}
# The demos that train for a minute or more: where their status shows that the run has begun
# (Cancel works from a run's first words: "Preparing", "starting"), then what shows that the demo
# has ended after Cancel (the round trip says there was nothing to bring back, or brings back
# what was trained if Cancel came after a step).
BEGUN = re.compile(r"Preparing|starting|step \d+ of \d+")
TRAINING_RESULT = ("#finetune-status", "#finetune-status", "Cancelled")
CANCELLED_DEMOS = {
    **{("finetune", p.slug): TRAINING_RESULT for p in FINETUNE_PRESETS},
    ("finetune", "early-stop"): TRAINING_RESULT,
    ("finetune", "bring-back"): (
        "#finetune-status", "#finetune-import-summary", re.compile("Nothing to bring back|Brought")
    ),
    ("finetune", "overfit"): ("#finetune-overfit-status", "#finetune-overfit-status", "Cancelled"),
    ("finetune", "scratch-vs-pretrained"): (
        "#finetune-transfer-status", "#finetune-transfer-status", "Cancelled"
    ),
}  # fmt: skip
ALL_DEMOS = [
    *(("text", p.slug) for p in TEXT_PRESETS),
    *(("image", p.slug) for p in (*IMAGE_PRESETS, *VIEW_PRESETS)),
    *(("embeddings", p.slug) for p in EMBEDDING_PRESETS),
    *(("attention", p.slug) for p in (*ATTENTION_PRESETS, *INSIDE_PRESETS)),
    *(("tokens", p.slug) for p in TOKENS_PRESETS),
    *(("finetune", p.slug) for p in (*FINETUNE_PRESETS, *DYNAMICS_PRESETS)),
]
# Run to the end (or begun and cancelled) by tests/browser/test_presenter.py, from their links.
OPENED_BY_PRESENTER_TESTS = {("text", "sure"), ("image", "green-cat"),
                             ("embeddings", "topics"), ("attention", "pronoun"),
                             ("finetune", "pirate")}  # fmt: skip
# Run by a lesson step's button (a press names the demo button, "<tab>-preset-<slug>").
RUN_BY_LESSONS = {
    tuple(step.press.split("-preset-"))
    for lesson in LESSONS for step in lesson.steps if "-preset-" in step.press
}  # fmt: skip
DEMOS = [d for d in ALL_DEMOS if d not in OPENED_BY_PRESENTER_TESTS | RUN_BY_LESSONS]


def loaded(page) -> None:
    """The page's load events have run: the Fine-tune tab's data summary (filled on load) is
    there, so anything a load could have broken has had its chance. (Gradio draws a tab's
    content once it is opened, so this opens the Fine-tune tab.)"""
    page.get_by_role("tab", name="Fine-tune", exact=True).click()
    expect(page.locator("#finetune-summary")).to_contain_text("examples")


def test_a_plain_load_shows_no_error_on_any_tab_and_logs_no_traceback(
    shared_context, app_server
) -> None:
    start = app_server.log_position()
    page = shared_context.new_page()
    page.goto(app_server.url)
    loaded(page)
    for name in TABS:
        tab = page.get_by_role("tab", name=name, exact=True)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        assert_no_errors(page, f"plain load, {name} tab")
    # Typing into a field works at once: no badge sits on top of it.
    page.get_by_role("tab", name="Image", exact=True).click()
    prompt = page.locator("#image-prompt textarea, #image-prompt input").first
    prompt.click()
    prompt.fill("a blue square on white")
    expect(prompt).to_have_value("a blue square on white")
    page.close()
    assert "Traceback" not in app_server.log_since(start)


def test_every_demo_is_run_by_one_browser_test() -> None:
    assert set(DEMOS) | OPENED_BY_PRESENTER_TESTS | RUN_BY_LESSONS == set(ALL_DEMOS)
    assert set(ALL_DEMOS) >= RUN_BY_LESSONS  # a lesson presses no demo that does not exist


@pytest.mark.parametrize(("tab", "slug"), DEMOS, ids=[f"{t}-{s}" for t, s in DEMOS])
def test_every_demo_link_runs_without_an_error(
    shared_context, app_url, tab: str, slug: str
) -> None:
    page = shared_context.new_page()
    try:
        page.goto(f"{app_url}?tab={tab}&preset={slug}")
        if (tab, slug) in CANCELLED_DEMOS:
            status, end, text = CANCELLED_DEMOS[(tab, slug)]
            expect(page.locator(status)).to_contain_text(BEGUN)
            page.locator("#finetune-cancel").click()
            expect(page.locator(end)).to_contain_text(text)
        else:
            selector, text = RESULT_OF_DEMO.get((tab, slug), RESULT[tab])
            expect(page.locator(selector).first).to_contain_text(text)
        expect(page.locator(f"#{tab}-preset-note")).not_to_be_empty()
        assert_no_errors(page, f"?tab={tab}&preset={slug}")
        # the other tabs were not touched by the demo
        assert_no_errors_on_any_tab(page, f"?tab={tab}&preset={slug}")
    finally:
        page.close()


def test_a_cancelled_training_run_keeps_its_curve_and_shows_no_error(page) -> None:
    page.get_by_role("tab", name="Fine-tune", exact=True).click()
    loaded(page)
    page.locator("#finetune-train").click()
    status = page.locator("#finetune-status")
    expect(status).to_contain_text(re.compile(r"step [2-9]\d* of \d+"))  # a curve to keep
    page.locator("#finetune-cancel").click()
    expect(status).to_contain_text(re.compile(r"Cancelled at step \d+ of \d+"))
    expect(page.locator("#finetune-loss .js-plotly-plot")).to_be_visible()
    assert_no_errors(page, "after Cancel")
    assert_no_errors_on_any_tab(page, "after Cancel")
