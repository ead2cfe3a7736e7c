"""A person writes a prompt on the Text tab, watches the answer stream in, clicks a token and
sees what else the model considered; then explores the next-token distribution."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def test_generate_stream_select_a_token_and_see_alternatives(page) -> None:
    page.get_by_role("tab", name="Text", exact=True).click()
    page.locator("#text-prompt textarea").fill("Write one sentence about cats 🐱.")
    max_new = page.locator("#text-max-new input[type=number]")
    max_new.fill("48")
    max_new.press("Enter")
    seed = page.locator("#text-seed input")
    seed.fill("7")
    seed.press("Enter")
    # The page itself records the output's length on every animation frame, so a busy machine
    # that slows this test's polling cannot hide the intermediate (streamed) states.
    page.evaluate(
        """() => { window.pgLengths = [];
            const tick = () => { const box = document.querySelector('#text-output textarea');
                if (box) window.pgLengths.push(box.value.length);
                if (!document.querySelector('#text-tokens .token')) requestAnimationFrame(tick); };
            requestAnimationFrame(tick); }"""
    )
    page.locator("#text-generate").click()
    # the first run also starts the llama.cpp engine
    expect(page.locator("#text-tokens .token").first).to_be_attached()
    lengths: list[int] = page.evaluate("() => window.pgLengths")
    grew = sorted({n for n in lengths if n > 0})
    assert len(grew) >= 2, f"the output did not stream (lengths seen: {grew})"
    expect(page.locator("#text-status")).to_contain_text("seed 7")
    expect(page.locator("#text-status")).to_contain_text("ended:")

    tokens = page.locator("#text-tokens .token")
    assert tokens.count() >= 5
    tokens.nth(2).click()
    # Tokens holding only part of an emoji's bytes have no text to click, so the index can be
    # larger than 3; what matters is that the alternatives for the clicked token appear.
    expect(page.locator("#text-picked")).to_contain_text("the model gave it")
    table = page.locator("#text-alternatives")
    expect(table).to_contain_text("%")
    assert table.get_by_role("row").count() >= 6
    expect(page.locator("#text-alt-chart .main-svg").first).to_be_visible()
    screenshot(page, "text-generate")

    page.locator("#text-stop").click()  # nothing running: harmless
    page.locator("#text-stop").click()
    expect(page.locator("#text-status")).to_contain_text("seed 7")


def test_next_token_explorer_shows_before_and_after(page) -> None:
    page.get_by_role("tab", name="Text", exact=True).click()
    page.locator("#text-prompt textarea").fill("The capital of France is")
    page.get_by_role("button", name="Show next-token distribution").click()
    summary = page.locator("#text-explorer-summary")
    expect(summary).to_contain_text("can be picked")
    expect(page.locator("#text-explorer-table")).to_contain_text("Paris")
    expect(page.locator("#text-explorer-chart .main-svg").first).to_be_visible()
    screenshot(page, "text-explorer")


def test_stop_ends_a_running_generation_at_once(page) -> None:
    """Stop, pressed while the text streams, ends the run there. The run is made long enough
    that it cannot end on its own before the click lands, however loaded the machine: the exact
    fp32 path (about 12 tokens a second here), a long story and a seed that writes 400 tokens
    without an end of text (a random seed once ended a count at 50 tokens, before a Stop sent
    under load had landed). Both paths stop on
    the session's stop event; each engine's own stop is tested in
    tests/test_text_backend_llamacpp.py and tests/test_text_backend_openai.py."""
    page.get_by_role("tab", name="Text", exact=True).click()
    page.locator("#text-fast input").uncheck()
    page.locator("#text-prompt textarea").fill(
        "Write a very long story about a dragon who learns to fly, at least 2000 words."
    )
    max_new = page.locator("#text-max-new input[type=number]")
    max_new.fill("512")
    max_new.press("Enter")
    seed = page.locator("#text-seed input")
    seed.fill("7")
    seed.press("Enter")
    page.locator("#text-generate").click()
    expect(page.locator("#text-status")).to_contain_text("Generating")
    # A DOM click at once, as a person's: Playwright's click first waits for the button to stand
    # still, and on a loaded machine the streaming page kept it waiting until the story had ended.
    page.locator("#text-stop").dispatch_event("click")
    page.locator("#text-stop").dispatch_event("click")  # pressing twice is harmless
    status = page.locator("#text-status")
    expect(status).to_contain_text("ended:")
    assert "ended: stopped" in status.inner_text()
    expect(page.locator("#text-tokens .token").first).to_be_visible()
    # Stopped before the cap: fewer tokens than the 512 asked for (how many fewer depends on how
    # busy the machine is when Stop arrives, so no tighter number is asserted).
    assert 0 < page.locator("#text-tokens .token").count() < 512
    screenshot(page, "text-stopped")


def test_api_streams_is_deterministic_by_seed_and_refuses_bad_values(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    args = ("HuggingFaceTB/SmolLM2-135M-Instruct", "Name three colours.", True, True)
    job = client.submit(*args, 0.9, 50, 0.95, 24, 1.1, 123, api_name="/generate_text")
    updates = list(job)
    text, status, tokens, scored = job.outputs()[-1]
    assert len(updates) > 3 and "seed **123**" in status and text
    assert "".join(item["token"] for item in tokens) == text  # with "class_or_confidence"
    # ... and each token's id and the model's probability, for callers who do what the tab does
    assert [t["piece"] for t in scored] == [item["token"] for item in tokens]
    assert all(isinstance(t["token_id"], int) and 0 < t["probability"] <= 1 for t in scored)
    again = client.predict(*args, 0.9, 50, 0.95, 24, 1.1, 123, api_name="/generate_text")
    assert again[0] == text
    summary, _, table = client.predict(
        "HuggingFaceTB/SmolLM2-135M-Instruct", "The capital of France is", False, 0.7, 50, 0.9,
        1.0, 10, api_name="/token_probabilities",
    )  # fmt: skip
    assert "can be picked" in summary and table["data"][0][0] == "␣Paris"
    # JSON has no NaN, so a client sends it as text. Gradio's Slider checks its own range before
    # our handler runs (the handler validates again for direct calls; see tests/test_text.py).
    for bad in (("NaN", 50), (0.7, -5), (0.7, 10**9)):
        try:
            client.predict(*args, *bad, 0.95, 24, 1.1, 1, api_name="/generate_text")
        except Exception as error:
            assert "Traceback" not in str(error)
        else:
            raise AssertionError(f"{bad} was accepted")
    assert client.predict(*args, 0, 0, 1, 4, 1, 1, api_name="/generate_text")[0]  # still up
