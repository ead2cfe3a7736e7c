"""A presenter picks the pirate data set, fine-tunes briefly, and sees before vs after."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fill_kept, screenshot


def set_number(page, label: str, value: str) -> None:
    # the box sits in an accordion opened just before: fill_kept checks the value held
    fill_kept(page.get_by_role("spinbutton", name=f"number input for {label}"), value, "Enter")


def test_finetune_briefly_and_compare(page) -> None:
    page.get_by_role("tab", name="Fine-tune").click()
    summary = page.locator("#finetune-summary")
    expect(summary).to_contain_text("100 examples → 80 to train on, 20 held out", timeout=60_000)
    expect(page.get_by_text("Arr, the capital of France be Paris. Arr!")).to_be_visible()

    page.get_by_text("Advanced settings").click()
    set_number(page, "Max steps", "2")
    set_number(page, "Max new tokens", "8")
    page.get_by_role("button", name="Fine-tune", exact=True).click()

    status = page.locator("#finetune-status")
    expect(status).to_contain_text("Done", timeout=240_000)
    expect(page.locator("#finetune-results")).to_contain_text("Trained 2 steps")
    expect(page.locator("#finetune-results")).to_contain_text("perplexity")
    table = page.locator("#finetune-comparison")
    expect(table).to_contain_text("Fine-tuned")
    expect(table.get_by_role("row")).to_have_count(5)  # header + 4 held-out prompts
    screenshot(page, "finetune-before-after")

    page.get_by_text("Drift view: how fine-tuning moved").click()
    page.get_by_role("button", name="Show drift").click()
    expect(page.locator("#finetune-drift-summary")).to_contain_text(
        "held-out answers (20)", timeout=120_000
    )
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
    page.locator("#text-generate").click()
    expect(page.locator("#text-status")).to_contain_text("your fine-tuned model", timeout=120_000)
    expect(page.locator("#text-status")).to_contain_text("ended", timeout=120_000)
    expect(page.locator("#text-output textarea")).not_to_have_value("")
    screenshot(page, "text-with-finetuned-model")


def test_a_fine_tuned_model_belongs_to_its_session(app_url: str) -> None:
    from gradio_client import Client

    mine, theirs = Client(app_url, verbose=False), Client(app_url, verbose=False)
    mine.predict("Haiku", None, api_name="/inspect_data")
    mine.submit(1, 0.002, 8, 64, 2, 0.0, 0, 8, api_name="/finetune").result()
    ask = dict(prompt_text="Write about rain.", seed_value=3, max_new_tokens=6)
    _, status, *_ = mine.predict(**ask, use_finetuned=True, api_name="/generate_text")
    assert "your fine-tuned model" in status
    with pytest.raises(Exception, match="no fine-tuned model in this session"):
        theirs.predict(**ask, use_finetuned=True, api_name="/generate_text")
    _, status, *_ = theirs.predict(**ask, api_name="/generate_text")
    assert "llama.cpp" in status and "fine-tuned" not in status
