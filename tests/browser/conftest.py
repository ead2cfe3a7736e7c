"""Browser fixtures: the app in a subprocess (tests/servers.py), driven by Debian's Chromium
through Playwright; one browser per test process, one server of each kind per test process.

Every wait in a browser test is on the page's own signal (a status text, an element, a drawn
plot) with one generous bound, ``WAIT_MS``, set here as Playwright's default: a test states what it
waits for, never for how long. A wait that fails has waited ``WAIT_MS`` for a sign that never
came, on a machine however loaded.

Without /usr/bin/chromium the browser tests skip, unless REQUIRE_BROWSER=1 (set by .ci/run), where
a missing browser fails the run instead of silently testing less.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.servers import ARTIFACTS, ROOT, Server, real_app, tiny_app

# The one bound on anything a browser test waits for: a demo that trains on a loaded 2-core
# machine included. Playwright's own default (5 s) failed runs after slow server round trips.
WAIT_MS = 300_000
expect.set_options(timeout=WAIT_MS)

# Debian's old headless shell draws the same Blink pages with about 40% less CPU than the full
# browser started headless (2.6 vs 4.4 CPU-seconds to open this app's page here); the suite's
# pages are most of its CPU, so the shell is used where it is installed (.ci/run installs it).
SHELL, FULL = "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or (SHELL if Path(SHELL).exists() else FULL)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
__all__ = ["ARTIFACTS", "ROOT"]  # re-exported for the tests that save pictures and read files


@pytest.fixture(scope="session")
def app_server() -> Iterator[Server]:
    """``python app.py`` (real models, offline, with warm-up), once per test process."""
    with real_app() as server:
        yield server


@pytest.fixture(scope="session")
def app_url(app_server: Server) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def tiny_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same page on a tiny seeded language model, for page mechanics that do not need what
    the real model writes (fine-tuning's curves, early stop, bringing an adapter back): a LoRA
    step there takes milliseconds instead of seconds."""
    folder = tmp_path_factory.mktemp("tiny-browser-server")
    with tiny_app(folder, "tiny-browser-server", PLAYGROUND_MAX_ADAPTERS="32") as server:
        yield server


@pytest.fixture(scope="session")
def tiny_url(tiny_server: Server) -> str:
    return tiny_server.url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = browser.new_context

        def patient_context(**options):  # every page's actions wait WAIT_MS too
            context = new_context(**options)
            context.set_default_timeout(WAIT_MS)
            return context

        browser.new_context = patient_context
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shared_context(browser):
    """One browser context (1280×800, English) for every plain ``page``: the page's 111 script
    files are then read from its cache instead of fetched and compiled again for each test (a
    page opens in about 1.6 s instead of 2.6 s here). Each test still gets a page of its own,
    hence a Gradio session of its own; tests that need another size or language, or downloads
    kept apart, make their own context."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


def watched_page(context, url: str) -> Iterator:
    """A fresh page on ``url`` that records console errors; the test fails if any appear."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.get_by_role("tab", name="Start here").wait_for()
    yield page
    page.close()
    assert not errors, f"Console errors in the browser: {errors}"


@pytest.fixture
def page(shared_context, app_url: str):
    """A fresh page on the real app (see ``watched_page``)."""
    yield from watched_page(shared_context, app_url)


@pytest.fixture
def tiny_page(shared_context, tiny_url: str):
    """A fresh page on the tiny-model server (see ``watched_page``)."""
    yield from watched_page(shared_context, tiny_url)


def fill_kept(box, value: str, key: str = "Tab") -> None:
    """Type ``value`` into ``box`` (a Playwright locator), press ``key`` and check the box kept it.

    Just after an accordion first opens, Gradio's frontend sometimes puts a box's old value back
    in the same frame as the first input event: the event fires with the new text, yet the box
    never shows it (3 fills in 16 here, loaded or not; it failed a CI run). The box itself says
    whether it kept the value, so the fill is repeated until it does, at most 3 times."""
    for attempt in range(3):
        box.fill(value)
        box.press(key)
        try:
            expect(box).to_have_value(value, timeout=5_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


# -- downloads ------------------------------------------------------------------------------------


def exported(page, files_id: str) -> dict[str, bytes]:
    """Download every file an export shows in ``#files_id``: {file name: content}."""
    box = page.locator(f"#{files_id}")
    expect(box.locator("a[download]").first).to_be_attached()
    found = {}
    for link in box.locator("a[download]").all():
        href = link.get_attribute("href") or ""
        name = href.rsplit("/", 1)[-1]
        response = page.request.get(href)
        assert response.ok, f"{name}: HTTP {response.status}"
        found[name] = response.body()
    return found


def by_suffix(files: dict[str, bytes], suffix: str) -> bytes:
    matches = [content for name, content in files.items() if name.endswith(suffix)]
    assert len(matches) == 1, f"expected one {suffix} in {sorted(files)}"
    return matches[0]


def png_download(page, button_id: str) -> Image.Image:
    """Press a "Save picture (PNG)" button and open what the browser downloads."""
    with page.expect_download() as download:
        page.locator(f"#{button_id}").click()
    path = download.value.path()
    picture = Image.open(path)
    assert picture.format == "PNG"
    return picture


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# -- what a person sees that they did not cause ---------------------------------------------------
# Gradio paints a red "Error" badge over the outputs of an event that raised, and shows a toast.
_UNASKED_ERRORS_JS = """() => {
    const shown = (e) => e.offsetParent !== null;
    const badges = [...document.querySelectorAll('span.error, .error')]
        .filter((e) => shown(e) && /^\\s*Error\\s*$/i.test(e.textContent || ''));
    const toasts = [...document.querySelectorAll('.toast-body')].filter(shown);
    return {badges: badges.length, toasts: toasts.map((t) => (t.textContent || '').trim())};
}"""


def visible_errors(page) -> dict:
    """Error badges and toasts on screen now: {"badges": count, "toasts": [texts]}."""
    return page.evaluate(_UNASKED_ERRORS_JS)


def assert_no_errors(page, where: str) -> None:
    found = visible_errors(page)
    assert found["badges"] == 0 and not found["toasts"], f"{where}: {found}"


TABS = ["Start here", "Text", "Image", "Tokens", "Embeddings", "Attention", "Fine-tune", "Models"]


def assert_no_errors_on_any_tab(page, where: str) -> None:
    """Open every tab in turn: none shows an error badge or toast (a demo touches its own tab
    only). Gradio draws a tab's content once it is opened, so each is opened, not just read."""
    for name in TABS:
        tab = page.get_by_role("tab", name=name, exact=True)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        assert_no_errors(page, f"{where}, then the {name} tab")


# -- texts that pass too quickly to be polled -----------------------------------------------
# A status line that streams (a training step, a run's first words) can be replaced within a few
# milliseconds on a fast model: a test that polls for it may never see it. The page itself records
# every text the element shows, as it changes (a MutationObserver), and the test reads that record.
_RECORD_JS = """(selector) => {
    const record = (window.__pgSeen = window.__pgSeen || {});
    const seen = (record[selector] = []);
    const note = () => {
        const element = document.querySelector(selector);
        const text = element ? element.textContent : null;
        if (text !== null && seen[seen.length - 1] !== text) seen.push(text);
    };
    new MutationObserver(note).observe(document.body,
        {subtree: true, childList: true, characterData: true});
    note();
}"""
_SEEN_JS = """([selector, pattern]) => ((window.__pgSeen || {})[selector] || [])
    .some((text) => new RegExp(pattern).test(text))"""


def record_texts(page, selector: str) -> None:
    """From now on, keep every text ``selector`` shows (see ``expect_seen``)."""
    page.evaluate(_RECORD_JS, selector)


def expect_seen(page, selector: str, pattern: str) -> None:
    """Wait until ``selector`` has shown a text matching ``pattern`` (a JavaScript regular
    expression) since ``record_texts``, however briefly it was there."""
    page.wait_for_function(_SEEN_JS, arg=[selector, pattern], timeout=WAIT_MS)
