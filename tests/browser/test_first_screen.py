"""The first screen a visitor sees: nothing they did not cause shows an error.

A plain page load used to paint red "Error" badges over most controls (each tab's deep-link chain
ran on load and was stopped with an error on purpose), and no test looked. These tests open every
tab after a plain load, after every demo's deep link, and after a cancelled training run, and fail
on any error badge or error toast; the server's log must show no traceback for a plain load.
Each waits on the app's own signals (a status text, a drawn plot), never on a fixed delay.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from components.attention.presets import INSIDE_PRESETS
from components.attention.presets import PRESETS as ATTENTION_PRESETS
from components.embeddings.presets import EMBEDDING_PRESETS
from components.finetune.presets import DYNAMICS_PRESETS
from components.image.presets import IMAGE_PRESETS, VIEW_PRESETS
from components.text.presets import TEXT_PRESETS
from components.tokens.presets import TOKENS_PRESETS
from tests.browser.conftest import assert_no_errors, log_position, log_since

TABS = ["Start here", "Text", "Image", "Tokens", "Embeddings", "Attention", "Fine-tune", "Models"]

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
    ("finetune", "early-stop"): ("#finetune-status", "Done. Training stopped early"),
    ("finetune", "overfit"): ("#finetune-overfit-summary", "Training loss fell from"),
    ("finetune", "scratch-vs-pretrained"): ("#finetune-transfer-summary", "weights, all"),
    ("finetune", "bring-back"): ("#finetune-import-summary", "Brought back a LoRA adapter"),
}
# Demos that take longer than most (ms): both arms of from scratch vs pretrained, about 75 s
# on an idle 2-core CPU, twice that when it is shared.
TIMEOUT_OF_DEMO = {("finetune", "scratch-vs-pretrained"): 420_000}
DEMOS = [
    *(("text", p.slug) for p in TEXT_PRESETS),
    *(("image", p.slug) for p in (*IMAGE_PRESETS, *VIEW_PRESETS)),
    *(("embeddings", p.slug) for p in EMBEDDING_PRESETS),
    *(("attention", p.slug) for p in (*ATTENTION_PRESETS, *INSIDE_PRESETS)),
    *(("tokens", p.slug) for p in TOKENS_PRESETS),
    *(("finetune", p.slug) for p in DYNAMICS_PRESETS),
]


def loaded(page) -> None:
    """The page's load events have run: the Fine-tune tab's data summary (filled on load) is
    there, so anything a load could have broken has had its chance. (Gradio draws a tab's
    content once it is opened, so this opens the Fine-tune tab.)"""
    page.get_by_role("tab", name="Fine-tune", exact=True).click()
    expect(page.locator("#finetune-summary")).to_contain_text("examples", timeout=120_000)


def test_a_plain_load_shows_no_error_on_any_tab_and_logs_no_traceback(browser, app_url) -> None:
    start = log_position()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(app_url)
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
    context.close()
    assert "Traceback" not in log_since(start)


@pytest.mark.parametrize(("tab", "slug"), DEMOS, ids=[f"{t}-{s}" for t, s in DEMOS])
def test_every_demo_link_runs_without_an_error(browser, app_url: str, tab: str, slug: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{app_url}?tab={tab}&preset={slug}")
        selector, text = RESULT_OF_DEMO.get((tab, slug), RESULT[tab])
        timeout = TIMEOUT_OF_DEMO.get((tab, slug), 180_000)
        expect(page.locator(selector).first).to_contain_text(text, timeout=timeout)
        expect(page.locator(f"#{tab}-preset-note")).not_to_be_empty()
        assert_no_errors(page, f"?tab={tab}&preset={slug}")
        for name in TABS:  # the other tabs were not touched by the demo
            page.get_by_role("tab", name=name, exact=True).click()
            assert_no_errors(page, f"?tab={tab}&preset={slug}, then the {name} tab")
    finally:
        context.close()


def test_a_cancelled_training_run_keeps_its_curve_and_shows_no_error(page) -> None:
    page.get_by_role("tab", name="Fine-tune", exact=True).click()
    loaded(page)
    page.locator("#finetune-train").click()
    status = page.locator("#finetune-status")
    expect(status).to_contain_text(re.compile(r"step [2-9]\d* of"), timeout=180_000)
    page.locator("#finetune-cancel").click()
    expect(status).to_contain_text(re.compile(r"Cancelled at step \d+ of \d+"), timeout=60_000)
    expect(page.locator("#finetune-loss .js-plotly-plot")).to_be_visible()
    assert_no_errors(page, "after Cancel")
    for name in TABS:
        page.get_by_role("tab", name=name, exact=True).click()
        assert_no_errors(page, f"after Cancel, the {name} tab")
