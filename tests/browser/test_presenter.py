"""A presenter opens a slide's link: the right tab opens, its preset is applied and runs, the
page is readable at 1280×720 in presenter mode, and every export downloads with the right content.

Each test saves a 1280×720 screenshot to test-artifacts/presenter-<tab>.png; with UPDATE_TOUR=1
(``make tour``) the same pictures also go to docs/tour/ for the README's tour.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import (
    ARTIFACTS,
    ROOT,
    assert_no_errors,
    assert_no_errors_on_any_tab,
    by_suffix,
    exported,
    png_download,
)

TOUR = ROOT / "docs" / "tour"
VIEWPORT = {"width": 1280, "height": 720}


@pytest.fixture
def deck(shared_context, app_url: str) -> Iterator:
    """A projector-sized page; ``open(query)`` loads the app with a deep link."""
    errors: list[str] = []
    pages = []

    def open_link(query: str):
        # A new page per link: navigating away would abort the old page's requests (noise).
        page = shared_context.new_page()
        page.set_viewport_size(VIEWPORT)
        pages.append(page)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(app_url + query)
        page.get_by_role("tab", name="Start here").wait_for()
        return page

    yield open_link
    for page in pages:
        page.close()
    assert not errors, f"Console errors in the browser: {errors}"


def selected_tab(page, name: str) -> None:
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute(
        "aria-selected", "true"
    )


def projector_shot(page, name: str) -> None:
    """The 1280×720 view a projector shows right after the link ran (not the full page, never
    scrolled): saved in test-artifacts, and in docs/tour with UPDATE_TOUR=1."""
    page.evaluate("() => window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"presenter-{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_TOUR") == "1":
        TOUR.mkdir(parents=True, exist_ok=True)
        # 256 colours: a UI screenshot stays sharp and the committed file small.
        picture = Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
        picture.save(TOUR / f"{name}.png", optimize=True)


def assert_on_first_screen(page, selector: str, share: float = 0.75) -> None:
    """The result ``selector`` is on the first screen, unscrolled: at least ``share`` of it (or
    of the screen's height, for a result taller than the screen) is inside the viewport."""
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["height"] > 0, f"{selector} is not shown"
    top, bottom = max(box["y"], 0), min(box["y"] + box["height"], VIEWPORT["height"])
    seen = max(0.0, bottom - top) / min(box["height"], VIEWPORT["height"])
    assert seen >= share, f"{selector}: {seen:.0%} of it on the first screen ({box})"


# Every plot's text on the first screen, in CSS pixels (ticks, legends, titles, colour bars).
_PLOT_TEXT_JS = """() => [...document.querySelectorAll('.js-plotly-plot svg text')]
    .filter((t) => { const r = t.getBoundingClientRect();
                     return r.width > 0 && r.bottom > 0 && r.top < window.innerHeight; })
    .map((t) => [t.textContent, parseFloat(getComputedStyle(t).fontSize)])"""


def assert_plot_text_readable(page, minimum: float = 16) -> None:
    """Presenter mode: every piece of plot text in view is at least ``minimum`` px.

    A plot that streams (the loss curve during training) is redrawn by Plotly.react and then
    enlarged by the page's script one frame later: wait (on the page itself, up to 15 s) for a
    moment where every text is enlarged, then check, so a redraw caught mid-frame is not a fail
    while a plot that is never enlarged still is."""
    with contextlib.suppress(PlaywrightTimeout):  # reported with the small texts below
        page.wait_for_function(f"() => ({_PLOT_TEXT_JS})().every(([, size]) => size >= {minimum})")
    texts = page.evaluate(_PLOT_TEXT_JS)
    assert texts, "no plot text on the first screen"
    small = [(text, size) for text, size in texts if size < minimum]
    assert not small, f"plot text under {minimum} px: {small[:8]}"


def scene_link(page) -> str:
    """Press "Copy link to this scene" and read the link it shows."""
    page.locator("#copy-scene-link").click()
    box = page.locator("#scene-link textarea, #scene-link input").first
    expect(box).to_have_value(re.compile(r"^http://.+\?"))
    return box.input_value()


def test_attention_link_runs_the_pronoun_preset_and_exports(deck) -> None:
    page = deck("?tab=attention&preset=pronoun&mode=presenter&view=simple")
    selected_tab(page, "Attention")
    expect(page.locator("body")).to_have_class(re.compile("pg-presenter"))
    expect(page.locator("#attention-preset-note")).to_contain_text("Pronoun")
    expect(page.locator("#attention-main .gtitle")).to_contain_text("layer 3, head 1")
    expect(page.locator("#attention-text textarea")).to_have_value(
        "The animal didn't cross the street because it was too tired."
    )
    assert_on_first_screen(page, "#attention-main")
    expect(page.locator("#attention-main .gtitle")).to_have_css("font-size", "22px")
    assert_plot_text_readable(page)
    projector_shot(page, "attention")
    link = scene_link(page)
    assert link.endswith("?tab=attention&preset=pronoun&view=simple&mode=presenter")

    page.get_by_role("button", name="Export view (HTML) and matrix (CSV, JSON)").click()
    files = exported(page, "attention-files")
    assert b"plotly" in by_suffix(files, ".html")
    rows = list(csv.reader(io.StringIO(by_suffix(files, ".csv").decode())))
    it = next(row for row in rows if row[0] == "it")
    weights = [float(w) for w in it[1:]]
    assert rows[0][1:][weights.index(max(weights))] == "animal"
    data = json.loads(by_suffix(files, ".json"))
    assert (data["layer"], data["head"]) == (3, 1) and "animal" in data["tokens"]
    assert all(abs(sum(row) - 1) < 1e-4 for row in data["matrix"])
    picture = png_download(page, "attention-main-png")
    assert picture.width >= 800  # drawn at twice the on-screen size
    assert_no_errors_on_any_tab(page, "?tab=attention&preset=pronoun")  # (test_first_screen)


def test_text_link_generates_and_exports_the_coloured_tokens(deck) -> None:
    page = deck("?tab=text&preset=sure&mode=presenter&view=simple")
    selected_tab(page, "Text")
    expect(page.locator("#text-prompt textarea")).to_have_value(
        "What is the capital of France? Answer in one sentence."
    )
    expect(page.locator("#text-status")).to_contain_text("ended:")
    expect(page.locator("#text-tokens .token").first).to_be_visible()
    expect(page.locator("#text-output textarea")).to_have_value(re.compile("Paris"))
    assert_on_first_screen(page, "#text-output")
    assert_on_first_screen(page, "#text-tokens .token", share=1.0)
    page.locator("#text-tokens .token", has_text="Paris").first.click()
    expect(page.locator("#text-picked")).to_contain_text("Paris")
    expect(page.locator("#text-alt-chart .main-svg").first).to_be_visible()
    projector_shot(page, "text")

    page.locator("#text-export").click()
    files = exported(page, "text-export-files")
    data = json.loads(by_suffix(files, ".json"))
    assert "Paris" in data["text"] and data["settings"]["temperature"] == 0
    rows = list(csv.DictReader(io.StringIO(by_suffix(files, ".csv").decode())))
    assert len(rows) == len(data["tokens"]) and float(rows[0]["model_probability"]) > 0
    assert "Paris" in by_suffix(files, ".html").decode()
    picture = Image.open(io.BytesIO(by_suffix(files, ".png")))
    assert picture.width == 1600 and picture.height > 100
    assert_no_errors_on_any_tab(page, "?tab=text&preset=sure")  # (test_first_screen)


def test_image_link_draws_and_exports(deck) -> None:
    page = deck("?tab=image&preset=green-cat&mode=presenter&view=simple")
    selected_tab(page, "Image")
    expect(page.locator("#image-summary")).to_contain_text("4 images")
    expect(page.locator("#image-frame-slider input[type=range]")).to_be_enabled()
    assert_on_first_screen(page, "#image-output img")
    projector_shot(page, "image")

    page.locator("#image-export").click()
    files = exported(page, "image-export-files")
    settings = json.loads(by_suffix(files, ".json"))
    assert settings["prompt"] == "a green cat on a black background" and settings["batch"] == 4
    picture = Image.open(io.BytesIO(by_suffix(files, ".png")))
    assert (picture.width, picture.height) == (settings["width"], settings["height"])
    assert_no_errors_on_any_tab(page, "?tab=image&preset=green-cat")  # (test_first_screen)


def test_embeddings_link_maps_searches_and_exports(deck) -> None:
    page = deck("?tab=embeddings&preset=topics&mode=presenter&view=simple")
    selected_tab(page, "Embeddings")
    expect(page.locator("#embeddings-summary")).to_contain_text("200 sentences")
    table = page.locator("#embeddings-neighbours")
    expect(table).to_contain_text("music")
    assert_on_first_screen(page, "#embeddings-map .js-plotly-plot")
    assert_plot_text_readable(page)
    projector_shot(page, "embeddings")

    page.get_by_role("button", name="Export plot (HTML) and data (JSON)").click()
    files = exported(page, "embeddings-html")
    assert b"plotly" in by_suffix(files, ".html")
    data = json.loads(by_suffix(files, ".json"))
    assert data["method"] == "UMAP" and len(data["points"]) == 200
    assert {"x", "y", "label", "text"} <= set(data["points"][0])
    csv_rows = exported(page, "embeddings-csv")
    assert len(by_suffix(csv_rows, ".csv").decode().strip().splitlines()) == 201
    picture = png_download(page, "embeddings-map-png")
    assert picture.width >= 800
    assert_no_errors_on_any_tab(page, "?tab=embeddings&preset=topics")  # (test_first_screen)


def test_finetune_link_starts_training_then_exports_a_short_run(deck) -> None:
    page = deck("?tab=finetune&preset=pirate&mode=presenter&view=simple")
    selected_tab(page, "Fine-tune")
    expect(page.locator("#finetune-preset-note")).to_contain_text("pirate")
    expect(page.locator("#finetune-status")).to_contain_text(
        re.compile(r"step ([2-9]|\d\d) of")
    )  # step 2: the curve has a line to draw
    expect(page.locator("#finetune-loss .js-plotly-plot")).to_be_visible()
    assert_on_first_screen(page, "#finetune-loss .js-plotly-plot")
    assert_plot_text_readable(page)
    projector_shot(page, "finetune")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#finetune-status")).to_contain_text("Cancelled at step")
    assert_no_errors(page, "after Cancel")

    # The run's exports are checked on a short run: tests/browser/test_finetune.py.


def test_start_and_models_tabs_open_by_link(deck) -> None:
    page = deck("?mode=presenter")
    projector_shot(page, "start")
    page = deck("?tab=models&mode=presenter")
    selected_tab(page, "Models")
    expect(page.locator("#models-table")).to_contain_text("SmolLM2")
    projector_shot(page, "models")
    page.locator("#models-export").click()
    files = exported(page, "models-export-files")
    assert "SmolLM2" in by_suffix(files, ".csv").decode()
    assert {"Model", "Kind", "State"} <= set(json.loads(by_suffix(files, ".json"))[0])


def test_unknown_link_values_show_a_notice_and_change_nothing(deck) -> None:
    page = deck("?tab=nope&preset=zzz&view=huge")
    notice = page.locator("#deep-link-notice")
    expect(notice).to_contain_text("Unknown tab nope")
    expect(notice).to_contain_text("Unknown view huge")
    selected_tab(page, "Start here")
    assert_no_errors(page, "a link with unknown values")
    page = deck("?tab=attention&preset=zzz")
    selected_tab(page, "Attention")
    expect(page.locator("#deep-link-notice")).to_contain_text("pronoun, previous-token, induction")
    # A value that carries a Markdown link (phishing on a public Space) is shown as text.
    page = deck("?tab=%5BSession%20expired%5D(https%3A%2F%2Fexample.invalid%2Flogin)")
    notice = page.locator("#deep-link-notice")
    expect(notice).to_contain_text("[session expired](https://example.invalid/login)")
    assert notice.locator("a").count() == 0


def test_simple_and_expert_views(deck) -> None:
    page = deck("?tab=text&view=simple")
    selected_tab(page, "Text")
    seed, prompt = page.locator("#text-seed"), page.locator("#text-prompt")
    expect(seed).to_be_hidden()
    expect(prompt).to_be_visible()
    expect(page.get_by_label("Temperature (0 = greedy)").first).to_be_visible()
    page.get_by_label("Expert").check()
    expect(seed).to_be_visible()
    page.get_by_role("tab", name="Image", exact=True).click()
    expect(page.get_by_label("Negative prompt")).to_be_visible()
    page.get_by_label("Simple").check()
    expect(page.get_by_label("Negative prompt")).to_be_hidden()
    expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_visible()
    assert scene_link(page).endswith("?tab=image&view=simple")
