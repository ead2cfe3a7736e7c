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

from typing import Any

import gradio as gr

from components import exports, i18n
from components.concurrency import SESSION_TTL, heavy
from components.demos import preset_bar, preset_values
from components.embeddings.classifier_panel import build_classifier_panel
from components.embeddings.handlers import (
    NEIGHBOUR_COLUMNS,
    MapState,
    MapView,
    NeighbourSearch,
    export_files,
    export_html,
    nearest_neighbors,
    project_embeddings,
)
from components.embeddings.presets import EMBEDDING_DEMOS, EMBEDDING_PRESETS
from components.endpoints import endpoint, old_names
from components.errors import user_errors
from components.tab_contract import EXPERT, BuiltTab
from components.widgets import values_for, widgets
from models.embeddings import sentence_sets
from models.embeddings.projection import ProjectionSettings
from models.embeddings.sentence_sets import SOURCES, SentenceInput
from models.registry import Registry
from models.zerogpu import gpu

__all__ = ["MapState", "build", "export_files", "export_html", "nearest_neighbors",
           "project_embeddings"]  # fmt: skip

# The API's names, one vocabulary with the other endpoints: a file is ``file``, a built-in data
# set ``data``. The old names keep working for one release, with a warning.
RENAMED = {"upload": "file", "example": "data"}
SENTENCES_HINT = "A man is eating food.\nA man is eating a piece of bread.\n..."
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
    default_model = registry.default_or_none("sentence-embedder")
    with gr.Row(elem_classes=["tab-layout"]):
        with gr.Column(scale=2, min_width=320, elem_classes=["tab-controls"]):
            gr.Markdown(INTRO, elem_classes=["embeddings-intro", "tab-intro"])
            demos = preset_bar("embeddings", EMBEDDING_PRESETS)
            # Each setting's default, range and label are declared once, beside the code that
            # reads them (SentenceInput, ProjectionSettings, ...); here only how each looks.
            sentences = widgets(
                SentenceInput, only=("source", "data"),
                source={"elem_classes": [EXPERT]}, data={"look": "dropdown"},
            )  # fmt: skip
            about = gr.Markdown(sentence_sets.EXAMPLE_SETS[SentenceInput().data][1])
            sentences |= widgets(
                SentenceInput, only=("text",),
                text={"lines": 8, "max_lines": 16, "visible": False,
                      "placeholder": SENTENCES_HINT},
            )  # fmt: skip
            with gr.Group(visible=False) as upload_group:
                file = gr.File(
                    label="CSV or TXT file (UTF-8, up to 5 MB)",
                    file_types=[".csv", ".txt"],
                    type="filepath",
                    elem_id="embeddings-upload",
                )
                with gr.Row():
                    # Dropdowns of the uploaded file's columns (found on upload), still typable
                    sentences |= widgets(
                        SentenceInput, only=("text_column", "label_column"),
                        text_column={"look": "dropdown", "allow_custom_value": True,
                                     "elem_id": "embeddings-text-column"},
                        label_column={"look": "dropdown", "allow_custom_value": True,
                                      "elem_id": "embeddings-label-column"},
                    )  # fmt: skip
            model = gr.Dropdown(
                registry.choices("sentence-embedder"),
                value=default_model,
                label="Embedding model",
                elem_classes=[EXPERT],
            )
            with gr.Accordion("Projection", open=True):
                # Dimensions as text on the page: the API lists a radio's values as text
                # ("2", "3"), so those must be what it accepts.
                shown_dimensions = ProjectionSettings.declared()["dimensions"].choices
                projection = widgets(
                    ProjectionSettings,
                    dimensions={"look": "radio",
                                "choices": [(f"{d}D", str(d)) for d in shown_dimensions]},
                    n_neighbors={"elem_classes": [EXPERT]},
                    min_dist={"elem_classes": [EXPERT]},
                    metric={"elem_classes": [EXPERT]},
                    seed={"elem_classes": [EXPERT]},
                )  # fmt: skip
                view = widgets(MapView, compare_with={"look": "dropdown", "elem_classes": [EXPERT]})
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
                search = widgets(NeighbourSearch, k={"scale": 1})
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

    sentences["source"].change(
        user_errors(show_source),
        sentences["source"],
        [sentences["data"], about, sentences["text"], upload_group],
        api_visibility="private",
    )

    def found_columns(path: str | None) -> tuple:
        """The uploaded CSV's columns as the two dropdowns' choices, the text and label columns
        picked (sentence_sets.upload_columns): no name to type for a `sentence,topic` file."""
        columns, text, label = sentence_sets.upload_columns(path)
        if not columns:
            return gr.skip(), gr.skip()
        labels = [("—", ""), *columns]  # "—": no label column, points coloured by clusters
        return gr.Dropdown(choices=columns, value=text), gr.Dropdown(choices=labels, value=label)

    file.upload(
        user_errors(found_columns), file, [sentences["text_column"], sentences["label_column"]],
        api_visibility="private",
    )  # fmt: skip
    sentences["data"].change(  # a fixed sentence per set: marked, it is said in the page's language
        user_errors(lambda name: i18n.marked(sentence_sets.EXAMPLE_SETS.get(name, ("", ""))[1])),
        sentences["data"],
        about,
        api_visibility="private",
    )

    @gpu
    def run(
        model: str | None = default_model,
        file: str | None = None,
        *,
        sentences: SentenceInput,
        projection: ProjectionSettings,
        view: MapView,
        state: MapState | None = None,
        progress=gr.Progress(),  # noqa: B008  (gradio's progress idiom)
    ):
        main, other, text_summary, csv_path, new_state = project_embeddings(
            registry, model, file, sentences=sentences, projection=projection, view=view,
            state=state, progress=progress,
        )  # fmt: skip
        shown = gr.update(value=other, visible=other is not None)
        return main, shown, text_summary, csv_path, new_state

    def find(query: str | None = None, state: MapState | None = None, *, search: NeighbourSearch):
        return nearest_neighbors(registry, query, state, search=search)

    old = old_names(RENAMED, files=("upload",))  # hidden: only API callers send them
    make_map = user_errors(
        endpoint(run, renamed=RENAMED, sentences=SentenceInput, projection=ProjectionSettings,
                 view=MapView)
    )  # fmt: skip
    find_nearest = user_errors(endpoint(find, search=NeighbourSearch))
    # The API's parameters, in this order: where the sentences come from, the model, the map.
    map_inputs = {
        "source": sentences["source"], "data": sentences["data"], "text": sentences["text"],
        "file": file, "text_column": sentences["text_column"],
        "label_column": sentences["label_column"], "model": model, **projection, **view,
        "state": state, **old,
    }  # fmt: skip
    map_outputs = [main_plot, compare_plot, summary, csv_file, state]
    find_inputs = {"query": query, **search, "state": state}
    go_button.click(
        make_map,
        inputs_kwargs=map_inputs,
        outputs=map_outputs,
        api_name="project_embeddings",
        **heavy(),
        api_description="Embed sentences and project them to 2D/3D; returns the map, an "
        "optional comparison map, a summary and a CSV of coordinates and labels.",
    ).then(lambda: None, outputs=neighbours, api_visibility="private")  # old neighbours are stale
    gr.on(
        triggers=[find_button.click, query.submit],
        fn=find_nearest,
        inputs_kwargs=find_inputs,
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

    def find_if_asked(query: str, state: MapState | None = None, **values: Any):
        """A preset with a query also searches it; one without clears the old neighbours."""
        if not query.strip():
            return None, gr.skip()
        return find_nearest(query=query, state=state, **values)

    # One-click demos: pick the data and projection by name, draw the map, place the query.
    picked = {name: sentences[name] for name in ("source", "data")}  # the rest stays as it is

    def apply_demo(slug: str) -> dict[Any, Any]:
        demo = preset_values(EMBEDDING_DEMOS, slug)
        return {**values_for(picked, demo.sentences), **values_for(projection, demo.projection),
                **values_for(view, demo.view), query: demo.query}  # fmt: skip

    demos.wire(
        apply_demo,
        [*picked.values(), *projection.values(), *view.values(), query],
        then=[
            {"fn": make_map, "inputs_kwargs": map_inputs, "outputs": map_outputs, **heavy()},
            {"fn": find_if_asked, "inputs_kwargs": find_inputs,
             "outputs": [neighbours, main_plot]},
        ],
    )  # fmt: skip
    build_classifier_panel(registry, {**sentences, "file": file, "model": model}, state)
    return BuiltTab(presets=demos)
