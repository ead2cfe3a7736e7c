"""Embeddings tab handlers with the real all-MiniLM-L6-v2: maps, cache, neighbours, exports,
bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import gradio as gr
import pytest

from app import build_app
from components.embeddings.handlers import MapView, NeighbourSearch
from components.embeddings.tab import (
    MapState,
    export_html,
    nearest_neighbors,
    project_embeddings,
)
from components.errors import user_errors
from models.embeddings.cache import EmbeddingCache
from models.embeddings.projection import ProjectionSettings
from models.embeddings.sentence_sets import SentenceInput
from models.errors import InvalidInputError
from models.registry import Registry

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
# sentence-transformers' own semantic-search example corpus (its README and docs).
ST_CORPUS = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "A woman is playing violin.",
    "Two men pushed carts through the woods.",
    "A man is riding a white horse on an enclosed ground.",
    "A monkey is playing drums.",
    "A cheetah is running behind its prey.",
]
DEFAULTS = {
    "source": "Example set",
    "data": "Five topics",
    "text": None,
    "file": None,
    "text_column": "text",
    "label_column": "label",
    "model": MINILM,
    "method": "UMAP",
    "dimensions": 2,
    "n_neighbors": 15,
    "min_dist": 0.1,
    "metric": "cosine",
    "seed": 42,
    "compare_with": "nothing",
}


def make_map(registry: Registry, cache: EmbeddingCache | None = None, state=None, **changes):
    """A map from flat values, each checked into its settings object as the tab's endpoint
    checks them (components/endpoints.py)."""
    args = {**DEFAULTS, **changes}

    def checked(cls):
        return cls.checked(**{name: args[name] for name in cls.declared()})

    kwargs = {"cache": cache} if cache is not None else {}
    return project_embeddings(
        registry, args["model"], args["file"], sentences=checked(SentenceInput),
        projection=checked(ProjectionSettings), view=checked(MapView), state=state, **kwargs,
    )  # fmt: skip


def search(k=5) -> NeighbourSearch:
    return NeighbourSearch.checked(k=k)


def points(figure) -> list[tuple[str, str]]:
    """(sentence as shown on hover, label) for every data point of a map."""
    return [
        (row[0], row[1])
        for trace in figure.data
        if trace.name not in (None, "nearest neighbours", "your query")
        for row in trace.customdata
    ]


def test_example_map_has_one_point_per_sentence_coloured_by_label(real_registry) -> None:
    figure, comparison, summary, csv_path, state = make_map(real_registry, compare_with="PCA")
    assert [trace.name for trace in figure.data] == [
        "cooking (40)",
        "finance (40)",
        "music (40)",
        "space (40)",
        "sport (40)",
    ]
    assert all(trace.type == "scattergl" for trace in figure.data)  # WebGL
    shown = points(figure)
    assert len(shown) == 200 and {label for _, label in shown} == set(state.labels)
    assert ("Rinse the rice until the water runs clear.", "cooking") in shown
    assert len(points(comparison)) == 200 and comparison.layout.title.text == "PCA"
    assert summary.startswith("**200 sentences**, 384-dimensional embeddings")
    assert "coloured by their labels" in summary
    with open(csv_path, encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["x", "y", "label", "text"] and len(rows) == 201
    assert {row[2] for row in rows[1:]} == {"cooking", "finance", "music", "space", "sport"}


def test_changing_projection_settings_never_re_embeds(real_registry) -> None:
    cache = EmbeddingCache()
    make_map(real_registry, cache=cache, data="Sentiment")
    assert (cache.misses, cache.hits) == (160, 0)
    for changes in (
        {"min_dist": 0.5},
        {"n_neighbors": 5, "metric": "euclidean"},
        {"dimensions": 3},
        {"method": "PCA", "seed": 1},
    ):
        figure, _, summary, _, _ = make_map(real_registry, cache=cache, data="Sentiment",
                                            **changes)  # fmt: skip
        assert "(0 embedded now, 160 from the cache)" in summary
    assert cache.misses == 160 and cache.hits == 4 * 160
    assert figure.data[0].type == "scattergl" and len(points(figure)) == 160
    three_d = make_map(real_registry, cache=cache, data="Sentiment", dimensions=3)[0]
    assert {trace.type for trace in three_d.data} == {"scatter3d"}


def test_unlabelled_sentences_are_coloured_by_clusters(real_registry) -> None:
    text = "\n".join([*ST_CORPUS, "The stock market fell today.", "Shares dropped sharply."])
    figure, _, summary, _, state = make_map(real_registry, source="Text box", text=text)
    assert state.label_kind == "cluster"
    assert all(label.startswith("cluster ") for label in state.labels)
    assert "clusters found by k-means on the embeddings" in summary
    assert len(points(figure)) == 11
    # The two finance sentences share a cluster.
    assert state.labels[-1] == state.labels[-2]
    # Re-projecting the same sentences keeps the same clusters (and colours).
    again = make_map(real_registry, source="Text box", text=text, min_dist=0.9, state=state)
    assert again[4].labels == state.labels


def test_nearest_other_sentence_to_eating_food_is_eating_bread(real_registry) -> None:
    text = "\n".join(ST_CORPUS)
    _, _, summary, _, state = make_map(real_registry, source="Text box", text=text)
    assert "with 9 this map is PCA instead" in summary  # too few for UMAP, and it says so
    rows, figure = nearest_neighbors(
        real_registry, "A man is eating food.", state, search=search(3)
    )
    assert rows[0][1] == "A man is eating food." and rows[0][3] == pytest.approx(1.0, abs=1e-4)
    assert rows[1][1] == "A man is eating a piece of bread."
    assert rows[1][3] > rows[2][3] and [row[0] for row in rows] == [1, 2, 3]
    names = [trace.name for trace in figure.data]
    assert "your query" in names and "nearest neighbours" in names
    ringed = figure.data[names.index("nearest neighbours")]
    assert [row[0] for row in ringed.customdata][:2] == [
        "A man is eating food.",
        "A man is eating a piece of bread.",
    ]


def test_html_export_is_a_self_contained_page(real_registry) -> None:
    *_, state = make_map(real_registry, data="Words in groups", method="PCA")
    page = Path(export_html(state)).read_text(encoding="utf-8")
    assert page.lower().startswith("<!doctype html>") and "Stockholm" in page
    assert "Plotly.newPlot" in page and len(page) > 1_000_000  # plotly.js itself is inside
    assert '<script src="http' not in page  # nothing fetched from the network


def test_sentences_with_markup_are_shown_as_text(real_registry) -> None:
    text = "<script>alert(1)</script>\n<b>bold</b> claim\nplain & simple"
    figure = make_map(real_registry, source="Text box", text=text)[0]
    hover = [sentence for sentence, _ in points(figure)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hover and "plain &amp; simple" in hover


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": "Text box", "text": ""}, "text box is empty"),
        ({"source": "Text box", "text": "one\none\n"}, "at least 3"),
        ({"source": "Upload a file", "file": None}, "No file uploaded"),
        ({"source": "Somewhere"}, "Pick a source from: Example set, Text box, Upload a file"),
        ({"data": "Nope"}, "no example set called 'Nope'"),
        ({"model": "HuggingFaceTB/SmolLM2-135M-Instruct"}, "pick a sentence-embedder model"),
        ({"model": "gpt-17"}, "No model named 'gpt-17'"),
        ({"model": None}, "Pick a sentence-embedding model"),
        ({"n_neighbors": float("nan")}, "n_neighbors must be a whole number"),
        ({"dimensions": -3}, "Dimensions must be a whole number from 2 to 3"),
        ({"compare_with": "LSA"}, "Pick a method to compare with from: nothing, UMAP"),
        ({"data": ["a", "list"]}, "no example set called ''"),
        ({"source": "Text box", "text": {"not": "text"}}, "text box is empty"),
        ({"source": "Upload a file", "file": 12}, "No file uploaded"),
    ],
)
def test_bad_requests_become_one_sentence_errors(real_registry, changes, message) -> None:
    handler = user_errors(make_map)
    with pytest.raises(gr.Error, match=message):
        handler(real_registry, **changes)


def test_csv_upload_without_the_column_lists_columns(real_registry, tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("review,stars\nGood,5\nBad,1\nOkay,3\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="Columns found: 'review', 'stars'"):
        make_map(real_registry, source="Upload a file", file=str(path), text_column="body")
    figure, *_ = make_map(real_registry, source="Upload a file", file=str(path),
                          text_column="review", label_column="stars", method="PCA")  # fmt: skip
    assert sorted(trace.name for trace in figure.data) == ["1 (1)", "3 (1)", "5 (1)"]


@pytest.mark.parametrize(
    ("query", "k", "message"),
    [("", 5, "Type a sentence"), ("hello", 0, "Top k must be"), ("hello", float("inf"), "Top k")],
)
def test_bad_queries(real_registry, query, k, message) -> None:
    *_, state = make_map(real_registry, method="PCA")
    with pytest.raises(InvalidInputError, match=message):
        nearest_neighbors(real_registry, query, state, search=search(k))


def test_query_before_any_map_says_what_to_do(real_registry) -> None:
    with pytest.raises(InvalidInputError, match="There is no map yet"):
        nearest_neighbors(real_registry, "hello", MapState(), search=search())
    with pytest.raises(InvalidInputError, match="no map to export"):
        export_html(None)


def test_endpoints_are_published(real_registry) -> None:
    demo = build_app(real_registry)
    public = {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}
    assert {"project_embeddings", "nearest_neighbors"} <= public
    named = demo.get_api_info()["named_endpoints"]
    listed = [p["parameter_name"] for p in named["/project_embeddings"]["parameters"]]
    assert listed == [*DEFAULTS, "upload", "example"]  # the old names last, for one release
    # A file is `file` and a built-in set `data`; the old names still work, with a warning.
    handlers = {fn.api_name: fn.fn for fn in demo.fns.values() if fn.api_name}
    with pytest.warns(UserWarning, match="example is now called data"):
        answer = handlers["project_embeddings"](example="Sentiment", method="PCA")
    again = handlers["project_embeddings"](data="Sentiment", method="PCA")
    assert answer[2].startswith("**160 sentences**") and again[2].startswith("**160 sentences**")
    assert answer[4].texts == again[4].texts  # the same set under either name
