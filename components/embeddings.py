"""Embeddings tab: meaning becomes geometry. Sentences are embedded, projected to 2D or 3D with
UMAP (PCA and t-SNE alongside for comparison), coloured by label or by clusters, searched by
cosine similarity and exported.

API: ``/project_embeddings`` makes a map (plot, comparison plot, summary, CSV of coordinates);
``/nearest_neighbors`` finds the sentences closest to a query on the caller's last map (a
``gradio_client.Client`` keeps its session, so call both through the same client).

Handlers are plain functions (``project_embeddings``, ``nearest_neighbors``, ``export_html``);
``build`` only lays out the UI and wires them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from components.concurrency import SESSION_TTL, heavy
from components.embedding_plots import map_figure, write_csv, write_html
from components.errors import user_errors
from models import sentence_sets
from models.embedding_cache import SHARED_CACHE, EmbeddingCache
from models.errors import InvalidInputError
from models.projection import (
    METHODS,
    METRICS,
    Projection,
    ProjectionParams,
    cluster_labels,
    nearest,
    place_query,
    project,
    validate,
)
from models.registry import Registry
from models.zerogpu import gpu

SOURCES = ("Example set", "Text box", "Upload a file")
COMPARE_NONE = "nothing"
NEIGHBOUR_COLUMNS = ["rank", "sentence", "label", "cosine similarity"]
MAX_K = 50
MAX_QUERY_CHARS = 1_000


@dataclass
class MapState:
    """One user's current map (kept in ``gr.State``): what the query and exports work on."""

    model: str = ""
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    label_kind: str = "label"  # "label" from the data, or "cluster" found by k-means
    embeddings: np.ndarray | None = None
    projection: Projection | None = None
    data_key: str = ""  # which (model, sentences) the cluster labels belong to


def read_sentences(
    source: str,
    example: str | None,
    text: str | None,
    upload: Any,
    text_column: str,
    label_column: str,
) -> sentence_sets.SentenceSet:
    # API callers can send any JSON value: anything that is not text is treated as missing.
    def as_text(value: object) -> str:
        return value if isinstance(value, str) else ""

    if source == "Example set":
        return sentence_sets.load_example(as_text(example))
    if source == "Text box":
        return sentence_sets.from_text(as_text(text))
    if source == "Upload a file":
        path = upload if isinstance(upload, str | Path) else getattr(upload, "name", None)
        return sentence_sets.from_upload(
            path, as_text(text_column) or "text", as_text(label_column)
        )
    raise InvalidInputError(f"Source must be one of: {', '.join(SOURCES)}.")


def project_embeddings(
    registry: Registry,
    source: str,
    example: str | None,
    text: str | None,
    upload: Any,
    text_column: str,
    label_column: str,
    model: str,
    method: str,
    dimensions: int,
    n_neighbors: int,
    min_dist: float,
    metric: str,
    seed: int,
    compare_with: str,
    state: MapState | None = None,
    progress: Any = None,
    cache: EmbeddingCache = SHARED_CACHE,
) -> tuple[Any, Any, str, str, MapState]:
    """Embed (from cache where possible), project, and draw. Returns (map, comparison map or
    None, summary markdown, CSV path, new state)."""
    report = progress or (lambda fraction, desc="": None)
    params = validate(method, dimensions, n_neighbors, min_dist, metric, seed)
    if compare_with not in (COMPARE_NONE, *METHODS):
        raise InvalidInputError(f"Compare with must be '{COMPARE_NONE}' or one of {METHODS}.")
    if not isinstance(model, str) or not model:
        raise InvalidInputError("Pick a sentence-embedding model.")
    sentences = read_sentences(source, example, text, upload, text_column, label_column)
    report(0.05, desc="Loading the model")
    encoder = registry.load(model, kind="sentence-embedder")
    misses_before = cache.misses
    embeddings = cache.embed(
        model, encoder, sentences.texts, lambda f, m: report(0.1 + 0.5 * f, desc=m)
    )
    newly_embedded = cache.misses - misses_before
    state = state if isinstance(state, MapState) else MapState()
    data_key = _data_key(model, sentences.texts, sentences.labels)
    if sentences.labels is not None:
        labels, label_kind = sentences.labels, "label"
    elif state.data_key == data_key and state.label_kind == "cluster":
        labels, label_kind = state.labels, "cluster"  # same data: keep its clusters and colours
    else:
        report(0.6, desc="Finding clusters")
        labels, label_kind = cluster_labels(embeddings, seed=params.seed), "cluster"
    report(0.65, desc=f"Projecting with {params.method}")
    projection = project(embeddings, params)
    main = _figure(projection, sentences.texts, labels)
    comparison = None
    if compare_with != COMPARE_NONE:
        report(0.8, desc=f"Projecting with {compare_with} for comparison")
        other = project(embeddings, ProjectionParams(compare_with, *_rest(params)))
        comparison = _figure(other, sentences.texts, labels)
    new_state = MapState(
        model, sentences.texts, labels, label_kind, embeddings, projection, data_key
    )
    csv_path = write_csv(projection.coords, sentences.texts, labels, label_kind)
    summary = _summary(sentences, new_state, newly_embedded, projection, comparison is not None)
    return main, comparison, summary, str(csv_path), new_state


def nearest_neighbors(
    registry: Registry, query: str, k: int, state: MapState | None
) -> tuple[list[list[Any]], Any]:
    """Top-k sentences of the current map by cosine similarity to ``query``, and the map with
    the query placed on it and its neighbours ringed."""
    if not isinstance(state, MapState) or state.projection is None or state.embeddings is None:
        raise InvalidInputError(
            "There is no map yet: press 'Embed and project' (or call /project_embeddings in the "
            "same client session) first."
        )
    if not isinstance(query, str) or not query.strip():
        raise InvalidInputError("Type a sentence to search for.")
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    k = _top_k(k)
    encoder = registry.load(state.model, kind="sentence-embedder")
    vector = SHARED_CACHE.embed(state.model, encoder, [query])[0]
    indices, similarity = nearest(vector, state.embeddings, k)
    rows = [
        [rank + 1, state.texts[i], state.labels[i], round(float(score), 4)]
        for rank, (i, score) in enumerate(zip(indices, similarity, strict=True))
    ]
    point = place_query(state.projection.coords, indices, similarity)
    figure = _figure(
        state.projection,
        state.texts,
        state.labels,
        query=(query, point),
        neighbours=[int(i) for i in indices],
    )
    return rows, figure


def export_html(state: MapState | None) -> str:
    """The current map as a self-contained HTML page; returns its path."""
    if not isinstance(state, MapState) or state.projection is None:
        raise InvalidInputError("There is no map to export yet: press 'Embed and project' first.")
    return str(write_html(_figure(state.projection, state.texts, state.labels)))


def _top_k(k: object) -> int:
    try:
        value = float(k)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value != int(value) or not 1 <= value <= MAX_K:
        raise InvalidInputError(f"Top k must be a whole number from 1 to {MAX_K}, not {k!r}.")
    return int(value)


def _rest(params: ProjectionParams) -> tuple[int, int, float, str, int]:
    return params.dimensions, params.n_neighbors, params.min_dist, params.metric, params.seed


def _figure(projection: Projection, texts: list[str], labels: list[str], **highlight: Any):
    return map_figure(
        projection.coords, texts, labels, projection.title, axis_name=projection.method, **highlight
    )


def _data_key(model: str, texts: list[str], labels: list[str] | None) -> str:
    digest = hashlib.sha1(model.encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\n")
    digest.update(b"labelled" if labels is not None else b"unlabelled")
    return digest.hexdigest()


def _summary(
    sentences: sentence_sets.SentenceSet,
    state: MapState,
    newly_embedded: int,
    projection: Projection,
    compared: bool,
) -> str:
    n = len(sentences)
    cached = n - newly_embedded
    colour = (
        "their labels"
        if state.label_kind == "label"
        else f"{len(set(state.labels))} clusters found by k-means on the embeddings"
    )
    lines = [
        f"**{n:,} sentences**, {state.embeddings.shape[1]}-dimensional embeddings "  # type: ignore[union-attr]
        f"({newly_embedded:,} embedded now, {cached:,} from the cache), coloured by {colour}. "
        f"{projection.method} took {projection.seconds:.1f} s."
    ]
    if compared:
        lines.append("The comparison map alongside uses the same embeddings and colours.")
    lines += [f"- {note}" for note in [*sentences.notes, *projection.notes]]
    return "\n".join(lines)


# -- UI -----------------------------------------------------------------------------------------
INTRO = (
    "### Meaning as geometry\n"
    "A sentence-embedding model turns each sentence into a list of numbers (384 for "
    "all-MiniLM-L6-v2). Sentences with similar meaning get similar numbers, so they sit close "
    "together. UMAP squeezes those hundreds of dimensions into 2 or 3 you can look at, keeping "
    "neighbours near each other. Hover a point to read its sentence; click a label in the legend "
    "to hide or show its points."
)


def build(registry: Registry) -> None:
    # Up to 15 MB per session (10,000 embeddings): dropped after an hour unused.
    state = gr.State(MapState(), time_to_live=SESSION_TTL)
    gr.Markdown(INTRO, elem_classes="embeddings-intro")
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            source = gr.Radio(list(SOURCES), value=SOURCES[0], label="Sentences from")
            names = sentence_sets.example_names()
            example = gr.Dropdown(names, value=names[0], label="Example set")
            about = gr.Markdown(sentence_sets.EXAMPLE_SETS[names[0]][1])
            text = gr.Textbox(
                label="Sentences, one per line",
                lines=8,
                max_lines=16,
                visible=False,
                placeholder="A man is eating food.\nA man is eating a piece of bread.\n...",
            )
            with gr.Group(visible=False) as upload_group:
                upload = gr.File(
                    label="CSV or TXT file (UTF-8, up to 5 MB)",
                    file_types=[".csv", ".txt"],
                    type="filepath",
                )
                with gr.Row():
                    text_column = gr.Textbox("text", label="Text column (CSV)")
                    label_column = gr.Textbox("label", label="Label column (CSV, optional)")
            model = gr.Dropdown(
                registry.choices("sentence-embedder"),
                value=registry.default_or_none("sentence-embedder"),
                label="Embedding model",
            )
            with gr.Accordion("Projection", open=True):
                method = gr.Radio(list(METHODS), value="UMAP", label="Method")
                dimensions = gr.Radio([("2D", 2), ("3D", 3)], value=2, label="Dimensions")
                n_neighbors = gr.Slider(
                    2,
                    100,
                    value=15,
                    step=1,
                    label="n_neighbors (UMAP)",
                    info="small: local detail; large: global shape",
                )
                min_dist = gr.Slider(
                    0.0,
                    1.0,
                    value=0.1,
                    step=0.05,
                    label="min_dist (UMAP)",
                    info="small: tight clumps; large: evenly spread",
                )
                metric = gr.Radio(list(METRICS), value="cosine", label="Metric")
                seed = gr.Number(42, precision=0, minimum=0, label="Random seed")
                compare_with = gr.Dropdown(
                    [COMPARE_NONE, *METHODS], value=COMPARE_NONE, label="Compare side by side with"
                )
            go_button = gr.Button("Embed and project", variant="primary")
            gr.Markdown(
                f"Up to {sentence_sets.MAX_SENTENCES:,} distinct sentences. Embeddings are "
                "cached, so changing projection settings does not embed again.",
                elem_classes="embeddings-note",
            )
        with gr.Column(scale=2):
            with gr.Row():
                main_plot = gr.Plot(label="Map", elem_id="embeddings-map")
                compare_plot = gr.Plot(
                    label="Comparison", visible=False, elem_id="embeddings-compare"
                )
            summary = gr.Markdown(elem_id="embeddings-summary")
            with gr.Row(equal_height=True):
                query = gr.Textbox(
                    label="Query: place a sentence on the map",
                    scale=4,
                    placeholder="A man is eating food.",
                )
                top_k = gr.Slider(1, MAX_K, value=5, step=1, label="Top k", scale=1)
                find_button = gr.Button("Find nearest", scale=1)
            neighbours = gr.Dataframe(
                headers=NEIGHBOUR_COLUMNS,
                label="Nearest neighbours",
                interactive=False,
                wrap=True,
                column_widths=["9%", "61%", "14%", "16%"],
                elem_id="embeddings-neighbours",
            )
            with gr.Row(equal_height=True):
                csv_file = gr.File(
                    label="Coordinates and labels (CSV)",
                    interactive=False,
                    height=110,
                    elem_id="embeddings-csv",
                )
                with gr.Column():
                    html_button = gr.Button("Export plot as HTML", size="sm")
                    html_file = gr.File(
                        label="Interactive plot (HTML)",
                        interactive=False,
                        visible=False,
                        height=110,
                        elem_id="embeddings-html",
                    )
                    gr.Markdown(
                        "For a PNG, use the camera icon in the plot's toolbar "
                        "(“Download plot as a PNG”).",
                        elem_classes="embeddings-note",
                    )

    def show_source(choice: str):
        return (
            gr.update(visible=choice == SOURCES[0]),
            gr.update(visible=choice == SOURCES[0]),
            gr.update(visible=choice == SOURCES[1]),
            gr.update(visible=choice == SOURCES[2]),
        )

    source.change(
        show_source, source, [example, about, text, upload_group], api_visibility="private"
    )
    example.change(
        lambda name: sentence_sets.EXAMPLE_SETS.get(name, ("", ""))[1],
        example,
        about,
        api_visibility="private",
    )

    @user_errors
    @gpu
    def run(
        source: str = SOURCES[0],
        example: str | None = names[0],
        text: str | None = "",
        upload: str | None = None,
        text_column: str = "text",
        label_column: str = "label",
        model: str | None = registry.default_or_none("sentence-embedder"),
        method: str = "UMAP",
        dimensions: int = 2,
        n_neighbors: int = 15,
        min_dist: float = 0.1,
        metric: str = "cosine",
        seed: int = 42,
        compare_with: str = COMPARE_NONE,
        state: MapState | None = None,
        progress=gr.Progress(),  # noqa: B008  (gradio's progress idiom)
    ):
        main, other, text_summary, csv_path, new_state = project_embeddings(
            registry, source, example, text, upload, text_column, label_column, model, method,
            dimensions, n_neighbors, min_dist, metric, seed, compare_with, state, progress,
        )  # fmt: skip
        shown = gr.update(value=other, visible=other is not None)
        return main, shown, text_summary, csv_path, new_state

    @user_errors
    def find(query: str, k: int = 5, state: MapState | None = None):
        return nearest_neighbors(registry, query, k, state)

    go_button.click(
        run,
        inputs=[
            source,
            example,
            text,
            upload,
            text_column,
            label_column,
            model,
            method,
            dimensions,
            n_neighbors,
            min_dist,
            metric,
            seed,
            compare_with,
            state,
        ],
        outputs=[main_plot, compare_plot, summary, csv_file, state],
        api_name="project_embeddings",
        **heavy(),
        api_description="Embed sentences and project them to 2D/3D; returns the map, an "
        "optional comparison map, a summary and a CSV of coordinates and labels.",
    ).then(lambda: None, outputs=neighbours, api_visibility="private")  # old neighbours are stale
    gr.on(
        triggers=[find_button.click, query.submit],
        fn=find,
        inputs=[query, top_k, state],
        outputs=[neighbours, main_plot],
        api_name="nearest_neighbors",
        api_description="Top-k sentences of your last map by cosine similarity to a query, "
        "and the map with the query and its neighbours highlighted.",
    )
    html_button.click(
        user_errors(lambda current: gr.update(value=export_html(current), visible=True)),
        inputs=state,
        outputs=html_file,
        api_visibility="private",
    )
