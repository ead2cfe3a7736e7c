"""A person opens the Embeddings tab, maps an example set, searches it; a script does the same
through gradio_client, exactly as the README shows."""

from __future__ import annotations

import csv

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_errors, screenshot

# The first map in a fresh server may include umap-learn's numba compilation when the warm-up
# has not finished yet (on 2 busy cores that can take a minute).


def test_example_set_becomes_a_map_and_a_query_finds_neighbours(page) -> None:
    page.get_by_role("tab", name="Embeddings").click()
    page.get_by_role("button", name="Embed and project").click()
    summary = page.locator("#embeddings-summary")
    expect(summary).to_contain_text("200 sentences")
    expect(summary).to_contain_text("coloured by their labels")
    plot = page.locator("#embeddings-map .js-plotly-plot")
    expect(plot).to_be_visible()  # plotly.js loads on first use
    legend = plot.locator(".legendtext")
    expect(legend).to_have_count(5)
    expect(legend.first).to_have_text("cooking (40)")
    expect(plot.locator(".gl-canvas").first).to_be_attached()  # WebGL, not SVG points
    screenshot(page, "embeddings-map")

    page.get_by_label("Query: place a sentence on the map").fill("The band played a new song.")
    page.get_by_role("button", name="Find nearest").click()
    table = page.locator("#embeddings-neighbours")
    expect(table.get_by_role("row")).to_have_count(6)  # header + top 5
    expect(table).to_contain_text("music")
    expect(plot.locator(".legendtext", has_text="your query")).to_be_visible()
    page.get_by_role("button", name="Export plot (HTML) and data (JSON)").click()
    # (gradio shows a file's stem and extension in separate elements)
    expect(page.locator("#embeddings-html")).to_contain_text("embedding-map")
    expect(page.locator("#embeddings-html")).to_contain_text("MB")  # plotly.js is inside
    expect(page.locator("#embeddings-csv")).to_contain_text("embedding-map")
    # PNG comes from plotly's own toolbar (also behind the "Save picture (PNG)" button).
    plot.hover()
    expect(plot.get_by_role("button", name="Download plot as a PNG")).to_be_attached()
    screenshot(page, "embeddings-query")


def test_api_maps_and_searches_through_gradio_client(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict(
        source="Text box",
        text="A man is eating food.\nA man is eating a piece of bread.\nThe girl is carrying "
        "a baby.\nA man is riding a horse.\nA woman is playing violin.",
        method="PCA",
        api_name="/project_embeddings",
    )
    summary, csv_path = result[2], result[3]
    assert summary.startswith("**5 sentences**")
    with open(csv_path, encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == 6
    table, _ = client.predict(query="Someone eats bread.", k=2, api_name="/nearest_neighbors")
    assert [row[1] for row in table["data"]] == [
        "A man is eating a piece of bread.",
        "A man is eating food.",
    ]


def test_an_uploaded_csv_has_its_columns_found_and_maps_without_typing(page, tmp_path) -> None:
    """Issue 28 item 10: the text and label columns of a `sentence,topic` file are found on
    upload and offered as choices; the map is made with no name typed and no error badge."""
    path = tmp_path / "topics.csv"
    topics = ["cooking", "music", "sport"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sentence", "topic"])
        writer.writerows([f"A short sentence {n} on {topics[n % 3]}.", topics[n % 3]]
                         for n in range(12))  # fmt: skip
    page.get_by_role("tab", name="Embeddings").click()
    page.get_by_label("Upload a file").check()
    page.locator("#embeddings-upload input[type=file]").set_input_files(str(path))
    expect(page.locator("#embeddings-text-column input")).to_have_value("sentence")
    expect(page.locator("#embeddings-label-column input")).to_have_value("topic")
    page.get_by_role("button", name="Embed and project").click()
    summary = page.locator("#embeddings-summary")
    expect(summary).to_contain_text("12 sentences")
    expect(summary).to_contain_text("coloured by their labels")
    assert_no_errors(page, "an uploaded CSV with its columns found")
