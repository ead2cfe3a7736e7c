"""A person opens the Image tab, generates images, then scrubs through the denoising steps."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def _image_src(page, selector: str) -> str:
    image = page.locator(f"{selector} img").first
    expect(image).to_be_visible()
    return image.get_attribute("src") or ""


def test_generate_then_scrub_the_denoising_steps(page) -> None:
    page.get_by_role("tab", name="Image", exact=True).click()
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.fill("a green cat on a black background")
    page.locator("#image-generate").click()
    expect(page.locator("#image-summary")).to_contain_text("DPM-Solver++ steps")
    expect(page.locator("#image-summary")).to_contain_text("4 images")
    assert _image_src(page, "#image-output")
    screenshot(page, "image-generated")

    page.locator("#image-frames-button").click()
    first = _image_src(page, "#image-frame")
    slider = page.locator("#image-frame-slider input[type=range]")
    expect(slider).to_be_enabled()
    expect(slider).to_have_attribute("max", "26")  # 25 steps + the final image
    slider.focus()
    for _ in range(12):  # a person dragging the slider with the keyboard
        slider.press("ArrowRight")
    expect(page.locator("#image-frame img").first).not_to_have_attribute("src", first)
    gif_link = page.locator("#image-gif a").first
    expect(gif_link).to_have_attribute("href", re.compile(r"denoising\.gif$"))
    page.locator("#image-frame").scroll_into_view_if_needed()
    screenshot(page, "image-denoising")
