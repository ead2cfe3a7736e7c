"""A person looks inside the models: on the Attention tab one head's arithmetic and the logit
lens (clicking a cell for its top 5); on the Text tab a branch from a clicked token, sample N and
why this token; and the five endpoints answer gradio_client with numbers and clear refusals."""

from __future__ import annotations

from gradio_client import Client
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_errors, screenshot


def downloadable(page, section: str, name: str):
    """The download link gr.File shows for ``name`` inside ``section``."""
    return page.locator(f'{section} a[data-testid="download-link"][download="{name}"]')


def test_head_arithmetic_and_logit_lens_on_the_attention_tab(page) -> None:
    page.get_by_role("tab", name="Attention", exact=True).click()
    page.locator("#attention-preset-head-arithmetic").click()
    summary = page.locator("#attention-arithmetic-summary")
    expect(summary).to_contain_text("Layer 16, head 0")
    expect(summary).to_contain_text("query token ' thanked'")
    expect(summary).to_contain_text("Largest difference from the heatmap's row")
    table = page.locator("#attention-arithmetic-table")
    expect(table).to_contain_text("heatmap weight")
    expect(table).to_contain_text("Alice (#9)")
    # another head on the tab's slider: the arithmetic follows
    head = page.locator("#attention-head input[type=number]")
    head.fill("1")
    head.press("Enter")
    expect(summary).to_contain_text("Layer 16, head 1")
    page.locator("#attention-arithmetic").scroll_into_view_if_needed()
    screenshot(page, "attention-head-arithmetic")
    assert_no_errors(page, "head arithmetic")

    page.locator("#attention-text textarea").fill("The Colosseum is in the city of")
    page.locator("#attention-lens-run").click()
    lens = page.locator("#attention-lens-summary")
    expect(lens).to_contain_text("After the last token the model predicts")
    expect(lens).to_contain_text("' Rome'")
    cells = page.locator("#attention-lens-grid [role=gridcell]")
    expect(cells.first).to_contain_text("layer 30 (output)")
    cells.filter(has_text="Rome").first.click()
    expect(page.locator("#attention-lens-cell")).to_contain_text("layer 30 (output)")
    expect(page.locator("#attention-lens-cell-plot .js-plotly-plot")).to_be_attached()
    page.get_by_role("button", name="Export the grid (CSV)").click()
    expect(downloadable(page, "#attention-lens", "logit-lens.csv")).to_be_attached()
    page.locator("#attention-lens").scroll_into_view_if_needed()
    screenshot(page, "attention-logit-lens")
    assert_no_errors(page, "logit lens")


def test_branch_sample_and_why_on_the_text_tab(page) -> None:
    page.get_by_role("tab", name="Text", exact=True).click()
    page.locator("#text-fast input").uncheck()  # the exact path: a branch on it is exact too
    page.locator("#text-prompt textarea").fill("Write one sentence about the sea.")
    max_new = page.locator("#text-max-new input[type=number]")
    max_new.fill("16")
    max_new.press("Enter")
    seed = page.locator("#text-seed input")
    seed.fill("3")
    seed.press("Enter")
    page.locator("#text-generate").click()
    tokens = page.locator("#text-tokens .token")
    expect(tokens.first).to_be_attached()
    expect(page.locator("#text-status")).to_contain_text("ended:")
    tokens.nth(4).click()
    expect(page.locator("#text-branch-picked")).to_contain_text("Picked token 5")
    page.locator("#text-branch-run").click()
    summary = page.locator("#text-branch-summary")
    expect(summary).to_contain_text("Branched at token 5")
    expect(summary).to_contain_text("total log-probability")
    expect(summary).to_contain_text("Per token the model finds")  # lengths differ: per token
    expect(summary).not_to_contain_text("engines draw")  # the exact path wrote both
    expect(page.locator("#text-branch-branch")).to_contain_text("branch point")
    page.get_by_role("button", name="Export both texts (JSON)").click()
    expect(downloadable(page, "#text-branch", "branch.json")).to_be_attached()
    page.locator("#text-branch").scroll_into_view_if_needed()
    screenshot(page, "text-branch")

    page.locator("#text-why-picked").click()  # why the token just picked (token 5)
    why = page.locator("#text-why-summary")
    expect(why).to_contain_text("off by")
    # against the runner-up at its own position, not the example's contrast left in the box
    expect(why).to_contain_text("rather than")
    expect(why).not_to_contain_text("London")
    expect(page.locator("#text-why-plot .js-plotly-plot")).to_be_attached()

    page.locator("#text-sample-run").click()
    samples = page.locator("#text-sample-summary")
    expect(samples).to_contain_text("different texts out of 4")
    expect(samples).to_contain_text("seeds 3–6")
    expect(page.locator("#text-sample-table")).to_contain_text("log-probability")

    page.locator("#text-why-run").click()  # the standalone example: ' Paris' vs ' London'
    expect(why).to_contain_text("Why ' Paris' rather than ' London'")
    expect(page.locator("#text-why-tokens")).to_contain_text("France")
    page.get_by_role("button", name="Export the scores (JSON)").click()
    expect(downloadable(page, "#text-why", "why-this-token.json")).to_be_attached()
    page.locator("#text-why").scroll_into_view_if_needed()
    screenshot(page, "text-why")
    assert_no_errors(page, "branch, sample and why")

    page.locator("#text-why-text textarea").fill("")  # what a person can get wrong: a sentence
    page.locator("#text-why-run").click()
    expect(page.locator(".toast-body").first).to_contain_text("empty")


def refused(client: Client, endpoint: str, **kwargs) -> str:
    try:
        client.predict(api_name=endpoint, **kwargs)
    except Exception as error:  # the client raises the server's sentence
        assert "Traceback" not in str(error)
        return str(error)
    raise AssertionError(f"{endpoint} accepted {kwargs}")


def test_inside_endpoints_answer_and_refuse(app_url: str) -> None:
    client = Client(app_url, verbose=False)
    text = "Alice met Bob. Alice thanked Bob."
    head = client.predict(text=text, layer=16, head=0, api_name="/head_arithmetic")
    matrix = client.predict(text=text, layer=16, head=0, api_name="/attention")["matrix"]
    assert all(abs(a - b) < 1e-5 for a, b in zip(head["weights"], matrix[-1], strict=True))
    lens = client.predict(text="The capital of France is", api_name="/logit_lens")
    assert lens["rows"][-1] == "layer 30 (output)" and lens["top_tokens"][-1][-1] == " Paris"
    why = client.predict(
        text="The capital of France is", target=" Paris", api_name="/explain_token"
    )
    assert why["completeness_gap"] < 0.05 and len(why["scores"]) == 5
    samples = client.predict(prompt="Hi", n=2, max_new_tokens=6, seed=5, api_name="/sample_texts")
    ids = samples["samples"][0]["token_ids"]
    same = client.predict(
        prompt="Hi", token_ids=ids, index=1, alternative_id=ids[1], max_new_tokens=6, seed=5,
        api_name="/branch_text",
    )  # fmt: skip
    assert same["branch"]["token_ids"] == ids  # the original token gives back the original

    assert "whole number from 2 to 8" in refused(client, "/sample_texts", prompt="x", n="NaN")
    assert "from 4 to 128" in refused(client, "/explain_token", text="x", steps="NaN")
    assert "needs a decoder" in refused(
        client, "/logit_lens", text="x", model="sentence-transformers/all-MiniLM-L6-v2"
    )
    assert "layer must be a whole number" in refused(
        client, "/head_arithmetic", text=text, layer=99
    )
    assert "not among the alternatives" in refused(
        client, "/branch_text", prompt="Hi", token_ids=ids, index=1, alternative_id=0,
        max_new_tokens=6, seed=5,
    )  # fmt: skip
    assert client.predict(text="Hi", api_name="/logit_lens")["tokens"]  # still up
