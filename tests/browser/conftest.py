"""Browser fixtures: the real app in a subprocess, driven by Debian's Chromium through Playwright.

Without /usr/bin/chromium the browser tests skip, unless REQUIRE_BROWSER=1 (set by .ci/run), where
a missing browser fails the run instead of silently testing less.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Start ``python app.py`` on a free port (offline, with warm-up) and wait for HTTP 200."""
    port = free_port()
    log = ARTIFACTS / "app-server.log"
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port)],
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # The suite fine-tunes (or brings back an adapter) in more sessions than a server's
            # default 8 adapter slots, and a closed page frees its slot only an hour later.
            env={**os.environ, "HF_HUB_OFFLINE": "1", "PLAYGROUND_MAX_ADAPTERS": "32"},
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if urllib.request.urlopen(url, timeout=2).status == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"The app did not start; see {log}:\n{log.read_text()}")
                time.sleep(0.25)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url: str):
    """A fresh page on the app that records console errors; the test fails if any appear."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url)
    page.get_by_role("tab", name="Start here").wait_for()
    yield page
    context.close()
    assert not errors, f"Console errors in the browser: {errors}"


def fill_kept(box, value: str, key: str = "Tab") -> None:
    """Type ``value`` into ``box`` (a Playwright locator), press ``key`` and check the box kept it.

    Just after an accordion first opens, Gradio's frontend sometimes puts a box's old value back
    in the same frame as the first input event: the event fires with the new text, yet the box
    never shows it (3 fills in 16 here, loaded or not; it failed a CI run). The box itself says
    whether it kept the value, so the fill is repeated until it does, at most 3 times."""
    from playwright.sync_api import expect

    for attempt in range(3):
        box.fill(value)
        box.press(key)
        try:
            expect(box).to_have_value(value, timeout=5_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


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


def log_position() -> int:
    """Where the app server's log ends now (read what a step added with ``log_since``)."""
    log = ARTIFACTS / "app-server.log"
    return log.stat().st_size if log.exists() else 0


def log_since(position: int) -> str:
    with (ARTIFACTS / "app-server.log").open(errors="replace") as handle:
        handle.seek(position)
        return handle.read()
