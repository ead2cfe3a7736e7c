"""A presenter picks the pirate data set, fine-tunes briefly, and sees before vs after, the drift
view, and writes with the fine-tuned model in the Text tab.

Page mechanics, so on the tiny seeded language model (as tests/browser/test_finetune_views.py);
that a fine-tuned model belongs to its session is tests/hosting/test_isolation.py's."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import by_suffix, exported, fill_kept, png_download, screenshot


@pytest.fixture
def page(tiny_page):
    """In this file every page is on the tiny-model server."""
    return tiny_page


def set_number(page, label: str, value: str) -> None:
    # the box sits in an accordion opened just before: fill_kept checks the value held
    fill_kept(page.get_by_role("spinbutton", name=f"number input for {label}"), value, "Enter")


def test_finetune_briefly_and_compare(page) -> None:
    page.get_by_role("tab", name="Fine-tune").click()
    summary = page.locator("#finetune-summary")
    expect(summary).to_contain_text("100 examples → 80 to train on, 20 held out")
    expect(page.get_by_text("Arr, the capital of France be Paris. Arr!")).to_be_visible()

    page.get_by_text("Advanced settings").click()
    set_number(page, "Max steps", "2")
    set_number(page, "Max new tokens", "8")
    page.get_by_role("button", name="Fine-tune", exact=True).click()

    status = page.locator("#finetune-status")
    expect(status).to_contain_text("Done")
    expect(page.locator("#finetune-results")).to_contain_text("Trained 2 steps")
    expect(page.locator("#finetune-results")).to_contain_text("perplexity")
    table = page.locator("#finetune-comparison")
    expect(table).to_contain_text("Fine-tuned")
    expect(table.get_by_role("row")).to_have_count(5)  # header + 4 held-out prompts
    screenshot(page, "finetune-before-after")

    page.get_by_text("Drift view: how fine-tuning moved").click()
    page.get_by_role("button", name="Show drift").click()
    expect(page.locator("#finetune-drift-summary")).to_contain_text("held-out answers (20)")
    screenshot(page, "finetune-drift")

    # The same session's fine-tuned model writes in the Text tab.
    page.get_by_role("button", name="Write with it in the Text tab").click()
    expect(page.get_by_role("tab", name="Text", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.locator("#text-use-tuned input")).to_be_checked()
    expect(page.locator("#text-prompt textarea")).not_to_have_value("")
    max_new = page.locator("#text-max-new input[type=number]")
    max_new.fill("6")
    max_new.press("Enter")
    seed = page.locator("#text-seed input")  # a fixed seed: the same text every run (a random
    seed.fill("1")  # one let the tiny model end its answer at once now and then: no text)
    seed.press("Enter")
    page.locator("#text-generate").click()
    expect(page.locator("#text-status")).to_contain_text("your fine-tuned model")
    expect(page.locator("#text-status")).to_contain_text("ended")
    expect(page.locator("#text-output textarea")).not_to_have_value("")
    screenshot(page, "text-with-finetuned-model")


def test_a_short_run_exports_its_report_plot_and_picture(page) -> None:
    """Every export of a run downloads with the right content (the presenter's link test sees
    the real model start training in presenter mode; this checks what a finished run exports)."""
    page.get_by_role("tab", name="Fine-tune").click()
    expect(page.locator("#finetune-summary")).to_contain_text("100 examples")
    page.get_by_text("Advanced settings").click()
    set_number(page, "Max steps", "2")
    set_number(page, "Max new tokens", "8")
    page.get_by_role("button", name="Fine-tune", exact=True).click()
    expect(page.locator("#finetune-status")).to_contain_text("Done")
    page.locator("#finetune-export").click()
    files = exported(page, "finetune-export-files")
    report = json.loads(by_suffix(files, ".json"))
    assert report["data"] == "Pirate speak" and report["steps"] == 2
    assert len(report["training_loss"]) == 2 and len(report["comparison"]) == 4
    assert b"plotly" in by_suffix(files, ".html")
    assert len(by_suffix(files, ".csv").decode().strip().splitlines()) == 5
    picture = png_download(page, "finetune-loss-png")
    assert picture.width >= 800
