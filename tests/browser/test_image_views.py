"""A person opens the Image tab's steering views one by one: guidance taken apart (and its grid),
the prompt changed mid-way, and forward noising; each button ends on a picture, a summary that
says what was computed and a PNG to download, with no error on screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_errors, fill_kept, screenshot


def _open(page, selector: str, label: str) -> None:
    """Open a view's accordion (its label; the demo button of the same name is elsewhere).

    Gradio renders a closed accordion's children again when it opens, after loading what they
    need; text typed before that lands in a box that is then replaced (seen in a loaded CI run).
    The last button of the accordion is drawn last, so once it shows the boxes are final."""
    page.locator(selector).get_by_text(label, exact=True).first.click()
    expect(page.locator(f"{selector} button.lg, {selector} button.primary").last).to_be_visible()


def _fill(page, selector: str, text: str) -> None:
    """Type into a view's box and check the box kept it before anything reads it."""
    fill_kept(_text_box(page, selector), text)


def _text_box(page, selector: str):
    return page.locator(f"{selector} textarea, {selector} input").first


def _picture_shown(page, selector: str) -> None:
    expect(page.locator(f"{selector} img").first).to_be_visible()


def _png_offered(page, selector: str) -> None:
    link = page.locator(f"{selector} a").first
    expect(link).to_have_attribute("href", re.compile(r"\.png$"))


def test_each_steering_view_shows_its_picture_and_summary(page) -> None:
    page.get_by_role("tab", name="Image", exact=True).click()
    steps = page.locator("#image-steps input[type=number]")
    steps.fill("10")  # a short run keeps the test quick
    steps.press("Enter")

    _open(page, "#image-guidance", "Guidance, taken apart")
    _fill(page, "#image-guidance-steps", "1, 5, 10")
    page.locator("#image-guidance-button").click()
    summary = page.locator("#image-guidance-summary")
    expect(summary).to_contain_text("taken apart at steps 1, 5, 10 of 10")
    _picture_shown(page, "#image-guidance-sheet")
    _png_offered(page, "#image-guidance-png")
    page.locator("#image-grid-button").click()
    expect(page.locator("#image-grid-summary")).to_contain_text("4 × 4 grid")
    _picture_shown(page, "#image-grid-sheet")
    assert_no_errors(page, "guidance taken apart")

    _open(page, "#image-switch", "Change the prompt mid-way")
    page.locator("#image-switch-button").click()
    summary = page.locator("#image-switch-summary")
    # The k slider follows the steps (10): its value 10 is now prompt A throughout.
    expect(summary).to_contain_text("for the first 10 of 10")
    expect(summary).to_contain_text("closer to")
    _picture_shown(page, "#image-switch-sheet")
    _picture_shown(page, "#image-switch-strip")
    _png_offered(page, "#image-switch-png")
    assert_no_errors(page, "prompt switch")

    _open(page, "#image-noise", "Forward noising, as in training")
    page.locator("#image-noise-button").click()
    summary = page.locator("#image-noise-summary")
    expect(summary).to_contain_text("noised to t = 0, 100, 250")
    expect(summary).to_contain_text("a training combination")
    _picture_shown(page, "#image-noise-sheet")
    _png_offered(page, "#image-noise-png")
    assert_no_errors(page, "forward noising")
    expect(page.locator(".toast-body.error")).to_have_count(0)
    screenshot(page, "image-views")


def test_a_switch_step_past_the_steps_is_a_sentence_not_a_crash(page) -> None:
    page.get_by_role("tab", name="Image", exact=True).click()
    _open(page, "#image-switch", "Change the prompt mid-way")
    _fill(page, "#image-switch-points", "0, 99")
    page.locator("#image-switch-button").click()
    toast = page.locator(".toast-body").first
    expect(toast).to_contain_text("Switch steps k must be a whole number from 0 to 25")
    _text_box(page, "#image-switch-points").fill("0, 25")
    page.locator("#image-switch-button").click()  # the server is still up and answers
    expect(page.locator("#image-switch-summary")).to_contain_text("closer to")
