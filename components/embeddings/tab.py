"""Embeddings tab: meaning becomes geometry. Sentences are embedded, projected to 2D or 3D with
UMAP (PCA and t-SNE alongside for comparison), coloured by label or by clusters, searched by
cosine similarity and exported.

API: ``/project_embeddings`` makes a map (plot, comparison plot, summary, CSV of coordinates);
``/nearest_neighbors`` finds the sentences closest to a query on the caller's last map (a
``gradio_client.Client`` keeps its session, so call both through the same client).

Handlers are plain functions in components/embeddings/handlers.py (re-exported here);
``build`` only lays out the UI and wires them.
"""

from __future__ import annotations

import gradio as gr

from components import exports, i18n
from components.concurrency import SESSION_TTL, heavy
from components.embeddings.classifier_panel import build_classifier_panel
from components.embeddings.handlers import (
    COMPARE_NONE,
    MAX_K,
    NEIGHBOUR_COLUMNS,
    SOURCES,
    MapState,
    export_files,
    export_html,
    nearest_neighbors,
    project_embeddings,
)
from components.embeddings.presets import EMBEDDING_PRESETS, apply_embeddings
from components.errors import user_errors
from components.presenter import EXPERT, BuiltTab, preset_bar
from models.embeddings import sentence_sets
from models.embeddings.projection import (
    METHODS,
    METRICS,
    MIN_DIST_RANGE,
    N_NEIGHBORS_RANGE,
    ProjectionParams,
)
from models.registry import Registry
from models.validation import MAX_SEED
from models.zerogpu import gpu

__all__ = ["MapState", "build", "export_files", "export_html", "nearest_neighbors",
           "project_embeddings"]  # fmt: skip

INTRO = (
    "### Meaning as geometry\n"
    "A sentence-embedding model turns each sentence into a list of numbers (384 for "
    "all-MiniLM-L6-v2). Sentences with similar meaning get similar numbers, so they sit close "
    "together. UMAP squeezes those hundreds of dimensions into 2 or 3 you can look at, keeping "
    "neighbours near each other. Hover a point to read its sentence; click a label in the legend "
    "to hide or show its points."
)


def build(registry: Registry) -> BuiltTab:
    # Up to 15 MB per session (10,000 embeddings): dropped after an hour unused.
    state = gr.State(MapState(), time_to_live=SESSION_TTL)
    with gr.Row(elem_classes=["tab-layout"]):
        with gr.Column(scale=2, min_width=320, elem_classes=["tab-controls"]):
            gr.Markdown(INTRO, elem_classes=["embeddings-intro", "tab-intro"])
            demos = preset_bar("embeddings", EMBEDDING_PRESETS)
            source = gr.Radio(
                list(SOURCES), value=SOURCES[0], label="Sentences from", elem_classes=[EXPERT]
            )
            names = sentence_sets.example_names()
            example = gr.Dropdown(names, value=names[0], label="Example set")
            about = gr.Markdown(sentence_sets.EXAMPLE_SETS[names[0]][1])
            text = gr.Textbox(
                "",
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
                elem_classes=[EXPERT],
            )
            with gr.Accordion("Projection", open=True):
                method = gr.Radio(list(METHODS), value="UMAP", label="Method")
                # Values as text: the API lists them as "2" and "3", so those must be accepted.
                dimensions = gr.Radio([("2D", "2"), ("3D", "3")], value="2", label="Dimensions")
                n_neighbors = gr.Slider(
                    *N_NEIGHBORS_RANGE,
                    value=ProjectionParams().n_neighbors,
                    precision=0,
                    step=1,
                    label="n_neighbors (UMAP)",
                    elem_classes=[EXPERT],
                    info="small: local detail; large: global shape",
                )
                min_dist = gr.Slider(
                    *MIN_DIST_RANGE,
                    value=ProjectionParams().min_dist,
                    step=0.05,
                    label="min_dist (UMAP)",
                    elem_classes=[EXPERT],
                    info="small: tight clumps; large: evenly spread",
                )
                metric = gr.Radio(
                    list(METRICS), value="cosine", label="Metric", elem_classes=[EXPERT]
                )
                seed = gr.Number(
                    ProjectionParams().seed,
                    precision=0,
                    minimum=0,
                    maximum=MAX_SEED,
                    label="Random seed",
                    elem_classes=[EXPERT],
                )
                compare_with = gr.Dropdown(
                    [COMPARE_NONE, *METHODS],
                    value=COMPARE_NONE,
                    label="Compare side by side with",
                    elem_classes=[EXPERT],
                )
            go_button = gr.Button("Embed and project", variant="primary")
            gr.Markdown(
                f"Up to {sentence_sets.MAX_SENTENCES:,} distinct sentences. Embeddings are "
                "cached, so changing projection settings does not embed again.",
                elem_classes="embeddings-note",
            )
        with gr.Column(scale=3, min_width=320, elem_classes=["tab-results"]):
            with gr.Row():
                main_plot = gr.Plot(label="Map", elem_id="embeddings-map")
                compare_plot = gr.Plot(
                    label="Comparison", visible=False, elem_id="embeddings-compare"
                )
            summary = gr.Markdown(elem_id="embeddings-summary", label="Summary")
            with gr.Row(equal_height=True):
                query = gr.Textbox(
                    label="Query: place a sentence on the map",
                    scale=4,
                    placeholder="A man is eating food.",
                )
                top_k = gr.Slider(1, MAX_K, value=5, step=1, label="Top k", scale=1, precision=0)
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
                    html_button = gr.Button("Export plot (HTML) and data (JSON)", size="sm")
                    exports.png_button("embeddings-map", "embedding-map")
                    html_file = exports.files_box("embeddings-html", "Interactive plot and data")

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
    example.change(  # a fixed sentence per set: marked, it is said in the page's language
        lambda name: i18n.marked(sentence_sets.EXAMPLE_SETS.get(name, ("", ""))[1]),
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
        dimensions: str = "2",
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

    map_inputs = [source, example, text, upload, text_column, label_column, model, method,
                  dimensions, n_neighbors, min_dist, metric, seed, compare_with, state]  # fmt: skip
    map_outputs = [main_plot, compare_plot, summary, csv_file, state]
    go_button.click(
        run,
        inputs=map_inputs,
        outputs=map_outputs,
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
        user_errors(lambda current: exports.shown(export_files(current))),
        inputs=state,
        outputs=html_file,
        api_visibility="private",
    )

    def find_if_asked(query: str, k: int, state: MapState | None):
        """A preset with a query also searches it; one without clears the old neighbours."""
        return find(query, k, state) if query.strip() else (None, gr.skip())

    # One-click demos: pick the data and projection, draw the map, place the preset's query.
    demos.wire(
        apply_embeddings,
        [source, example, method, dimensions, compare_with, query],
        then=[
            {"fn": run, "inputs": map_inputs, "outputs": map_outputs, **heavy()},
            {"fn": find_if_asked, "inputs": [query, top_k, state],
             "outputs": [neighbours, main_plot]},
        ],
    )  # fmt: skip
    build_classifier_panel(
        registry, [source, example, upload, text_column, label_column, model], state
    )
    return BuiltTab(presets=demos)
