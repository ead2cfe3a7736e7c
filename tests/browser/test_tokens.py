"""A person opens the Tokens tab, presses a demo, reads the tokens of each tokenizer and the
table, types their own text and downloads the tokens; the /tokenizer_lens endpoint answers
gradio_client with the same counts."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_errors, screenshot


def test_demo_then_own_text_then_download(page) -> None:
    page.get_by_role("tab", name="Tokens", exact=True).click()
    page.locator("#tokens-preset-emoji").click()  # a one-click demo: sets the text and splits
    view = page.locator("#tokens-view")
    expect(view).to_contain_text("all-MiniLM-L6-v2")
    expect(view).to_contain_text("[UNK]")  # WordPiece has no piece for the emoji
    expect(page.locator("#tokens-text textarea")).to_have_value(re.compile("🐈"))
    expect(page.locator("#tokens-preset-note")).to_contain_text("4 bytes")
    expect(page.locator("#tokens-summary")).to_contain_text("GPT-4o (o200k_base)")
    expect(page.locator("#tokens-chart .js-plotly-plot")).to_be_visible()
    assert_no_errors(page, "Tokens tab after the emoji demo")
    screenshot(page, "tokens-emoji-demo")

    box = page.locator("#tokens-text textarea")
    box.fill("<b>bold?</b> naïve café")
    page.get_by_role("button", name="Split into tokens").click()
    expect(view).to_contain_text("bold")
    expect(view.locator("b", has_text="bold?")).to_have_count(0)  # user text never renders
    expect(page.locator("#tokens-csv")).to_contain_text(".csv")
    assert_no_errors(page, "Tokens tab after typing a text")


def test_api_counts_match_the_table(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    html_view, table, _chart, csv_file = client.predict(
        text="Hello world", tokenizers=["o200k_base"], api_name="/tokenizer_lens"
    )
    assert table["data"][0][0] == "GPT-4o (o200k_base)" and table["data"][0][1] == 2
    assert "Hello" in html_view and csv_file.endswith("tokens.csv")
