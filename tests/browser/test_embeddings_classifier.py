"""A person opens the Embeddings tab's predictive section, trains a classifier on the example set
the map shows, sees its held-out accuracy and confusion matrix, and classifies a new sentence."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def test_train_a_classifier_and_classify_a_new_sentence(page) -> None:
    page.get_by_role("tab", name="Embeddings").click()
    page.get_by_text("Predictive model: classify sentences").click()
    page.get_by_role("button", name="Train classifier").click()
    summary = page.locator("#classifier-summary")
    expect(summary).to_contain_text("Held-out accuracy")
    expect(summary).to_contain_text("5 classes")
    expect(page.locator("#classifier-confusion .js-plotly-plot")).to_be_visible()
    expect(page.locator("#classifier-map .js-plotly-plot")).to_be_visible()
    page.get_by_label("Classify a new sentence").fill("The band played a new song.")
    page.get_by_role("button", name="Classify", exact=True).click()
    table = page.locator("#classifier-probs")
    expect(table.get_by_role("row")).to_have_count(6)  # header + 5 classes
    expect(table.get_by_role("row").nth(1)).to_contain_text("music")  # most likely first
    expect(page.locator(".toast-body.error")).to_have_count(0)
    screenshot(page, "embeddings-classifier")
