"""A person opens the Attention tab, picks a preset, sees the heatmap, changes the head and sees
it redraw; the /attention endpoint answers gradio_client with the same numbers and clear errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

PLOT_Z = """(selector) => {
    const plot = document.querySelector(selector + ' .js-plotly-plot');
    return plot && plot.data ? JSON.stringify(plot.data[0].z) : null;
}"""


def open_tab(page) -> None:
    page.get_by_role("tab", name="Attention", exact=True).click()
    expect(page.locator("#attention-text textarea")).to_be_visible()


def main_title(page):
    return page.locator("#attention-main .gtitle")


def test_preset_then_head_change_redraws_the_heatmap(page) -> None:
    open_tab(page)
    page.locator("#attention-preset-pronoun").click()  # a one-click demo: sets and runs
    expect(main_title(page)).to_contain_text("all-MiniLM-L6-v2: layer 3, head 1")
    expect(page.locator("#attention-text textarea")).to_have_value(
        "The animal didn't cross the street because it was too tired."
    )
    # (on a cold server the summary can still be settling when the first plot appears)
    expect(page.get_by_text("16 tokens")).to_be_visible()
    expect(page.locator("#attention-focus-plot .gtitle")).to_contain_text("What 'it' (#10)")
    before = page.evaluate(PLOT_Z, "#attention-main")
    assert before is not None
    screenshot(page, "attention-pronoun-preset")

    head = page.locator("#attention-head input[type=number]")
    head.fill("2")
    head.press("Enter")
    expect(main_title(page)).to_contain_text("layer 3, head 2")
    after = page.evaluate(PLOT_Z, "#attention-main")
    assert after is not None and after != before

    page.get_by_label("All heads of the layer").check()
    expect(main_title(page)).to_contain_text("every head of layer 3")
    screenshot(page, "attention-all-heads")

    page.get_by_role("button", name="Export view (HTML) and matrix (CSV, JSON)").click()
    expect(page.locator("#attention-files")).to_contain_text(".csv")


def test_decoder_text_and_overview(page) -> None:
    open_tab(page)
    page.get_by_role("button", name="Show attention").click()
    expect(main_title(page)).to_contain_text("SmolLM2-135M-Instruct: layer 16, head 0")
    expect(page.locator("#attention-overview .gtitle")).to_contain_text("previous token")
    expect(page.get_by_text("Highest previous token: layer 16 head 0")).to_be_visible()
    screenshot(page, "attention-decoder")


def test_empty_text_shows_a_clear_error(page) -> None:
    open_tab(page)
    page.locator("#attention-text textarea").fill("   ")
    page.get_by_role("button", name="Show attention").click()
    expect(page.get_by_text("Type some text first").first).to_be_visible()


def test_attention_endpoint_with_gradio_client(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    answer = client.predict(
        "The cat sat on the mat.",
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        2,
        3,
        api_name="/attention",
    )
    matrix = answer["matrix"]
    assert answer["tokens"][:3] == ["The", " cat", " sat"]
    assert len(matrix) == len(answer["tokens"]) == len(matrix[0])
    assert all(abs(sum(row) - 1) < 1e-5 for row in matrix)
    assert matrix[0][1] == 0.0  # causal: the first token cannot see the second
    # The README's example: the pronoun head of the encoder.
    readme = client.predict(
        "The animal didn't cross the street because it was too tired.",
        "sentence-transformers/all-MiniLM-L6-v2",
        3,
        1,
        api_name="/attention",
    )
    row = readme["matrix"][readme["tokens"].index("it")]
    assert readme["tokens"][row.index(max(row))] == "animal"
    with pytest.raises(Exception, match="Head must be a whole number from 0 to 8"):
        client.predict(
            "The cat.", "HuggingFaceTB/SmolLM2-135M-Instruct", 0, 9, api_name="/attention"
        )
    with pytest.raises(Exception, match="Layer must be a whole number from 0 to 29"):
        client.predict(
            "The cat.", "HuggingFaceTB/SmolLM2-135M-Instruct", -1, 0, api_name="/attention"
        )
    with pytest.raises(Exception, match="No model named 'nope'"):
        client.predict("The cat.", "nope", 0, 0, api_name="/attention")
    with pytest.raises(Exception, match="Type some text first"):
        client.predict("", "HuggingFaceTB/SmolLM2-135M-Instruct", 0, 0, api_name="/attention")
