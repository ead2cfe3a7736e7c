"""The Text tab's tokens/s from the page against the API's, interleaved in one run (issue 28,
item 2: a class saw the page write at 0.3-26 tok/s while /generate_text on the same server ran
14-50).

One app server (``app.py``, warm-up finished before timing); Chromium at 1280x800 clicks Generate
with a fixed prompt and seed and reads the speed the status line reports; between two page runs,
gradio_client calls /generate_text with the same prompt, seed and settings. Both numbers are the
engine's own (tokens / seconds from the first request to the last token, models/text/backends).
Goal: page tokens/s >= 0.8 x the API's.

Run: ``.venv/bin/python bench/page_vs_api.py [--runs 5]``
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "Give me three tips for a good night's sleep."
SPEED = re.compile(r"([\d.]+) tokens/s")


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    for line in server.stdout:  # type: ignore[union-attr]
        if "Playground running at" in line:
            return server
    raise RuntimeError("the app did not start")


@click.command()
@click.option("--runs", default=5, show_default=True, help="Generations from each side.")
@click.option("--port", default=7931, show_default=True)
@click.option("--tokens", default=96, show_default=True, help="max_new_tokens for both.")
def main(runs: int, port: int, tokens: int) -> None:
    from gradio_client import Client
    from playwright.sync_api import expect, sync_playwright

    server = start_server(port)
    url = f"http://127.0.0.1:{port}/"
    page_speeds: list[float] = []
    api_speeds: list[float] = []
    try:
        client = Client(url, verbose=False)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(600_000)
            expect.set_options(timeout=600_000)
            page.goto(url + "?tab=text")
            expect(page.locator("#warm-up-line")).to_be_hidden()  # warm-up done: a quiet server
            page.locator("#text-prompt textarea").fill(PROMPT)
            max_new = page.locator("#text-max-new input[type=number]")
            max_new.fill(str(tokens))
            max_new.press("Enter")
            seed = page.locator("#text-seed input")
            seed.fill("7")
            seed.press("Enter")
            status = page.locator("#text-status")
            for run in range(runs):
                page.locator("#text-generate").click()
                expect(status).to_contain_text("ended:")
                page_speeds.append(float(SPEED.search(status.inner_text()).group(1)))
                _, said, *_ = client.predict(
                    prompt=PROMPT, seed=7, max_new_tokens=tokens, api_name="/generate_text"
                )
                api_speeds.append(float(SPEED.search(said).group(1)))
                print(f"run {run + 1}: page {page_speeds[-1]:.1f} tok/s, "
                      f"API {api_speeds[-1]:.1f} tok/s", flush=True)  # fmt: skip
                expect(page.locator("#text-tokens .token").first).to_be_attached()
            browser.close()
    finally:
        server.terminate()
    page_median, api_median = statistics.median(page_speeds), statistics.median(api_speeds)
    print(f"page median {page_median:.1f} tok/s, API median {api_median:.1f} tok/s")
    print(f"ratio page/API: {page_median / api_median:.2f} (goal >= 0.8)")


if __name__ == "__main__":
    main()
