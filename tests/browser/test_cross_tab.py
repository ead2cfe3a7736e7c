"""Across tabs: text the Text tab wrote is inspected, with one click, in the Attention tab."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def test_generated_text_opens_in_the_attention_tab(page) -> None:
    page.get_by_role("tab", name="Text", exact=True).click()
    page.locator("#text-prompt textarea").fill("Name three colours.")
    max_new = page.locator("#text-max-new input[type=number]")
    max_new.fill("12")
    max_new.press("Enter")
    page.locator("#text-generate").click()
    expect(page.locator("#text-status")).to_contain_text("ended:")
    written = page.locator("#text-output textarea").input_value()
    assert written.strip()

    page.locator("#text-send-attention").click()
    expect(page.get_by_role("tab", name="Attention", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.locator("#attention-text textarea")).to_have_value(written)
    expect(page.locator("#attention-main .gtitle")).to_contain_text("SmolLM2-135M-Instruct")
    screenshot(page, "cross-tab-text-to-attention")
