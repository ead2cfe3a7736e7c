"""A person opens the playground, clicks through every tab, and sees the models panel fill in."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot

TABS = ["Start here", "Text", "Image", "Embeddings", "Attention", "Fine-tune", "Models"]


def test_every_tab_opens(page) -> None:
    for name in TABS:
        tab = page.get_by_role("tab", name=name, exact=True)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        screenshot(page, f"shell-{name.lower().replace(' ', '-')}")
    page.get_by_role("tab", name="Start here").click()
    expect(page.get_by_text("The life cycle of a generative model")).to_be_visible()


def test_concept_buttons_open_their_tab(page) -> None:
    page.get_by_role("button", name="Open the Attention tab →").click()
    expect(page.get_by_role("tab", name="Attention")).to_have_attribute("aria-selected", "true")


def test_models_panel_lists_both_defaults_loaded_from_packaged_wheels(page) -> None:
    page.get_by_role("tab", name="Models").click()
    table = page.locator("#models-table")
    # The app warms both defaults up in the background; the panel polls until they are loaded.
    for name in ("HuggingFaceTB/SmolLM2-135M-Instruct", "sentence-transformers/all-MiniLM-L6-v2"):
        row = table.get_by_role("row").filter(has_text=name)
        expect(row).to_contain_text(re.compile(r"(?<!not )loaded"))
        expect(row).to_contain_text("packaged")
    expect(table).to_contain_text("134.5M")
    screenshot(page, "models-panel")
