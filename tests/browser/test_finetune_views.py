"""The Fine-tune tab's learning-dynamics views in a browser: the live held-out line and early stop
of a short run, the overfitting demo, from scratch vs pretrained, and bringing back an exported
adapter (from the API and from the page). Each waits on the app's own text, never on a fixed
delay, and fails on any error badge, toast or console error it did not ask for.

These are the page mechanics of training, so they run on the tiny seeded language model
(tests/servers.py's tiny server: a LoRA step in milliseconds). This file owns each training
demo's run to its end in a page; the demo links (tests/browser/test_first_screen.py) and the
lesson walk see them start and cancel them. What the real model learns is measured by
eval/finetune_effect.py, the training arithmetic by tests/test_finetune_training.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_no_errors,
    expect_seen,
    fill_kept,
    record_texts,
    screenshot,
)


def open_finetune(page) -> None:
    page.get_by_role("tab", name="Fine-tune", exact=True).click()
    expect(page.locator("#finetune-summary")).to_contain_text("examples")


def set_number(page, label: str, value: str) -> None:
    # the box sits in an accordion opened just before: fill_kept checks the value held
    fill_kept(page.get_by_role("spinbutton", name=f"number input for {label}"), value, "Enter")


@pytest.fixture
def page(tiny_page):
    """In this file every page is on the tiny-model server."""
    return tiny_page


@pytest.fixture(scope="module")
def exported(tiny_url: str) -> tuple[object, Path]:
    """A client session that trained 2 steps, and the adapter zip it downloaded. (Every session
    that trains or brings an adapter back holds one of the server's adapter slots.)"""
    from gradio_client import Client

    client = Client(tiny_url, verbose=False)
    client.predict(data="Haiku", api_name="/inspect_data")
    client.submit(max_steps=2, max_new_tokens=4, api_name="/finetune").result()
    return client, Path(client.predict(api_name="/export_adapter"))


def bring_back(page, archive: Path) -> None:
    page.locator("#finetune-import").get_by_text("Bring back an adapter", exact=True).click()
    page.locator("#finetune-import-file input[type=file]").set_input_files(str(archive))
    page.locator("#finetune-import-run").click()


def test_a_short_run_draws_the_held_out_line_then_an_adapter_comes_back(page, exported) -> None:
    open_finetune(page)
    expect(page.locator("#finetune-live-idea")).to_contain_text("Live held-out loss")
    page.get_by_text("Advanced settings").click()
    set_number(page, "Max steps", "10")
    set_number(page, "Max new tokens", "6")
    page.locator("#finetune-early-stop input").check()
    patience = page.locator("#finetune-patience input")
    fill_kept(patience, "1")
    record_texts(page, "#finetune-status")  # a tiny model's steps pass in milliseconds
    page.locator("#finetune-train").click()
    status = page.locator("#finetune-status")
    expect(status).to_contain_text("Done")
    expect_seen(page, "#finetune-status", "step 1 of 10")
    expect_seen(page, "#finetune-status", r"held-out \d+\.\d+ \(step 5\)")
    results = page.locator("#finetune-results")
    expect(results).to_contain_text("Held-out loss on 10 held-out examples")
    expect(results).to_contain_text(re.compile(r"the adapter (kept is step \d+'s|is the last)"))
    expect(page.locator("#finetune-loss .legend")).to_contain_text("held-out loss")
    expect(page.locator("#finetune-loss .legend")).to_contain_text("kept: step")
    assert_no_errors(page, "a short run with early stop")
    screenshot(page, "finetune-live-held-out")

    # Bring back an adapter into this session (it reuses the session's adapter slot).
    bring_back(page, exported[1])
    summary = page.locator("#finetune-import-summary")
    expect(summary).to_contain_text("Brought back a LoRA adapter for")
    expect(summary).to_contain_text("trained 2 steps")
    expect(page.locator("#finetune-results")).to_contain_text("Trained 2 steps")
    expect(page.locator("#finetune-results")).to_contain_text("perplexity")
    expect(page.locator("#finetune-try-in-text")).to_be_visible()
    screenshot(page, "finetune-adapter-brought-back")


def test_the_overfitting_demo_plots_both_curves_and_names_the_step(page) -> None:
    open_finetune(page)
    page.locator("#finetune-overfit").get_by_text("Overfitting, live", exact=True).click()
    record_texts(page, "#finetune-overfit-status")
    page.locator("#finetune-overfit-run").click()
    status = page.locator("#finetune-overfit-status")
    summary = page.locator("#finetune-overfit-summary")
    expect(summary).to_contain_text("Training loss fell from")
    expect(summary).to_contain_text(re.compile(r"at step \d+|without turning up"))
    expect(status).to_contain_text("Done")
    expect_seen(page, "#finetune-overfit-status", "Overfitting demo: step")
    expect(page.locator("#finetune-overfit-plot .legend")).to_contain_text("held-out loss")
    expect(page.locator("#finetune-overfit-files")).to_contain_text("overfitting-curves")
    assert_no_errors(page, "the overfitting demo")
    screenshot(page, "finetune-overfitting")


def test_from_scratch_vs_pretrained_shows_both_arms(page) -> None:
    open_finetune(page)
    page.locator("#finetune-transfer").get_by_text("From scratch vs pretrained", exact=True).click()
    record_texts(page, "#finetune-transfer-status")
    page.locator("#finetune-transfer-run").click()
    status = page.locator("#finetune-transfer-status")
    summary = page.locator("#finetune-transfer-summary")
    expect(summary).to_contain_text("weights, all")
    expect(summary).to_contain_text(re.compile(r"\d+ layers instead of \d+"))
    expect(status).to_contain_text("100%")
    expect_seen(page, "#finetune-transfer-status", "arm 1 of 2")
    table = page.locator("#finetune-transfer-answers")
    expect(table.get_by_role("row")).to_have_count(5)  # header + 4 held-out prompts
    expect(table).to_contain_text("From scratch")
    expect(page.locator("#finetune-transfer-plot .legend")).to_contain_text("from scratch")
    assert_no_errors(page, "from scratch vs pretrained")
    screenshot(page, "finetune-scratch-vs-pretrained")


def test_an_adapter_comes_back_through_the_api(tiny_url: str, exported) -> None:
    from gradio_client import Client, handle_file

    mine, archive = exported
    theirs = Client(tiny_url, verbose=False)
    summary, _, results = theirs.predict(file=handle_file(archive), api_name="/import_adapter")
    assert "Brought back a LoRA adapter for" in summary and "rank 8" in summary
    assert "| loss |" in results
    prompts = "Write about rain."
    ours = mine.predict(prompts=prompts, temperature=0.0, api_name="/compare_models")
    again = theirs.predict(prompts=prompts, temperature=0.0, api_name="/compare_models")
    assert again["data"] == ours["data"]  # greedy answers of the same adapter
    ask = dict(prompt_text="Write about rain.", seed_value=3, max_new_tokens=6)
    _, status, *_ = theirs.predict(**ask, use_finetuned=True, api_name="/generate_text")
    assert "your fine-tuned model" in status
    with pytest.raises(Exception, match="not a zip archive"):
        broken = archive.with_name("broken.zip")
        broken.write_text("not a zip")
        theirs.predict(file=handle_file(broken), api_name="/import_adapter")


def test_a_bad_zip_is_refused_with_a_sentence(browser, tiny_url: str, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(tiny_url)
        open_finetune(page)
        bad = tmp_path / "lora-adapter.zip"
        bad.write_text("not a zip")
        bring_back(page, bad)
        toast = page.locator(".toast-body")
        expect(toast).to_contain_text("The file is not a zip archive: upload the")
        expect(page.locator("#finetune-import-summary")).not_to_contain_text("Brought back")
    finally:
        context.close()
