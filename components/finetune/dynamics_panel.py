"""The Fine-tune tab's learning-dynamics views: the early-stop controls of a normal run (its live
held-out loss is the loss plot's second line), the overfitting demo, from scratch vs pretrained,
and bringing back an exported adapter. Layout and wiring only; the handlers are in
components/finetune/dynamics_handlers.py (and components/finetune/handlers.py for the run).

Each view states its idea, has a one-click demo (``?tab=finetune&preset=early-stop``,
``overfit``, ``scratch-vs-pretrained``, ``bring-back``; the first and last are wired in
components/finetune/tab.py, as they run its training chain), an export and an API endpoint:
``/finetune`` (with ``early_stop``, ``patience``), ``/overfit_demo``, ``/transfer_demo``,
``/import_adapter``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from components import exports
from components.concurrency import training
from components.demos import PresetBar
from components.errors import user_errors
from components.finetune import dynamics_handlers as views
from components.finetune.presets import OVERFIT_DEMOS, TRANSFER_DEMOS
from components.finetune.session import TuneSession, client_address
from components.widgets import widgets
from models.finetune.evaluation import EVAL_EVERY
from models.finetune.settings import TrainSettings
from models.registry import Registry
from models.zerogpu import gpu, on_zerogpu

LIVE_IDEA = (
    f"**Live held-out loss**: every {EVAL_EVERY} steps the run measures its loss on examples it "
    "never trains on (the dotted orange line). Training loss only says the model imitates its "
    "examples; the held-out loss says whether it learns the task. The adapter keeps the "
    "weights of the step with the lowest held-out loss (the star)."
)


def early_stop_controls() -> dict[str, gr.Component]:
    """The early-stop checkbox and its patience, beside the Fine-tune button, by name (their
    defaults, range and labels are declared in models/finetune/settings.py TrainSettings)."""
    gr.Markdown(LIVE_IDEA, elem_id="finetune-live-idea")
    with gr.Row(equal_height=True):
        return widgets(
            TrainSettings, only=("early_stop", "patience"),
            early_stop={"elem_id": "finetune-early-stop", "scale": 1},
            patience={"elem_id": "finetune-patience", "scale": 1},
        )  # fmt: skip


@dataclass(frozen=True)
class TabParts:
    """What the views read from and write to in the rest of the tab."""

    session: gr.State
    control: gr.State
    loss_plot: gr.Plot
    results: gr.Markdown


@dataclass(frozen=True)
class DynamicsPanel:
    """What the tab wires further: the import's event (after which the session holds a new
    adapter), and the import as a step for the round-trip demo (with the file it reads)."""

    imported: list[Any]
    import_step: dict[str, Any]
    import_box: gr.Accordion


def build_dynamics_panel(registry: Registry, parts: TabParts, demos: PresetBar) -> DynamicsPanel:
    """Draw the three views, wire their buttons, endpoints and demos."""
    with gr.Accordion("Overfitting, live", open=False, elem_id="finetune-overfit") as overfit_box:
        gr.Markdown(views.OVERFIT_IDEA)
        overfit_button = gr.Button("Run the overfitting demo", variant="primary",
                                   elem_id="finetune-overfit-run")  # fmt: skip
        overfit_status = gr.Markdown(elem_id="finetune-overfit-status")
        overfit_plot = gr.Plot(label="Training vs held-out loss", elem_id="finetune-overfit-plot")
        overfit_summary = gr.Markdown(elem_id="finetune-overfit-summary")
        with gr.Row(equal_height=True):
            with gr.Column(scale=1, min_width=200):
                exports.png_button("finetune-overfit-plot", "overfitting")
            overfit_files = exports.files_box("finetune-overfit-files", "Curves (CSV, JSON)")
    with gr.Accordion(
        "From scratch vs pretrained", open=False, elem_id="finetune-transfer"
    ) as transfer_box:
        gr.Markdown(
            f"{views.TRANSFER_IDEA} It trains on the data set picked above; it takes about 75 s "
            "for both arms on 2 CPU cores."
        )
        transfer_button = gr.Button("Train both and compare", variant="primary",
                                    elem_id="finetune-transfer-run")  # fmt: skip
        transfer_status = gr.Markdown(elem_id="finetune-transfer-status")
        transfer_plot = gr.Plot(label="Held-out loss of both arms",
                                elem_id="finetune-transfer-plot")  # fmt: skip
        transfer_summary = gr.Markdown(elem_id="finetune-transfer-summary")
        transfer_table = gr.Dataframe(
            headers=["Prompt", "Pretrained + LoRA", "From scratch", "Expected (held out)"],
            interactive=False, wrap=True, label="Both arms' greedy answers",
            column_widths=["16%", "28%", "28%", "28%"], elem_id="finetune-transfer-answers",
        )  # fmt: skip
        with gr.Row(equal_height=True):
            with gr.Column(scale=1, min_width=200):
                exports.png_button("finetune-transfer-plot", "scratch-vs-pretrained")
            transfer_files = exports.files_box("finetune-transfer-files",
                                               "Answers and curves (CSV, JSON)")  # fmt: skip
    with gr.Accordion("Bring back an adapter", open=False, elem_id="finetune-import") as import_box:
        gr.Markdown(views.IMPORT_IDEA)
        with gr.Row(equal_height=True):
            upload = gr.File(label="lora-adapter.zip", file_types=[".zip"], type="filepath",
                             elem_id="finetune-import-file", scale=3)  # fmt: skip
            import_button = gr.Button("Use this adapter", variant="primary", scale=1,
                                      elem_id="finetune-import-run")  # fmt: skip
        import_summary = gr.Markdown(elem_id="finetune-import-summary")

    # ZeroGPU pickles a GPU function's arguments: the cancel event stays out (Gradio's own
    # cancel ends a run there), the registry in the closure.
    @gpu(duration=180)
    def overfit_on_device(control: dict[str, Any] | None) -> Iterator[Any]:
        yield from views.run_overfit(registry, control)

    @gpu(duration=240)
    def transfer_on_device(
        session: TuneSession | None, control: dict[str, Any] | None
    ) -> Iterator[Any]:
        yield from views.run_transfer(registry, session, control)

    def overfit(control: dict[str, Any] | None = None) -> Iterator[Any]:
        for status, figure, summary, files in overfit_on_device(None if on_zerogpu() else control):
            yield status, figure, summary, _files(files)

    def transfer(
        session: TuneSession | None, control: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        stream = transfer_on_device(session, None if on_zerogpu() else control)
        for status, figure, summary, rows, files in stream:
            yield status, figure, summary, rows, _files(files)

    @gpu
    def import_on_device(
        session: TuneSession | None, file: str | None, slot: str, address: str
    ) -> Any:
        return views.import_adapter(registry, session, file, slot, address)

    def bring_back(
        session: TuneSession | None, file: str | None, request: gr.Request = None
    ) -> tuple[Any, ...]:
        # One adapter slot per browser (or API client) session, as for training, and at most
        # half the server's per client address.
        slot = f"session-{request.session_hash}" if request and request.session_hash else ""
        return import_on_device(session, file, slot, client_address(request))

    overfit_event = {
        "fn": user_errors(overfit),
        "inputs": [parts.control],
        "outputs": [overfit_status, overfit_plot, overfit_summary, overfit_files],
        **training(),
    }
    transfer_event = {
        "fn": user_errors(transfer),
        "inputs": [parts.session, parts.control],
        "outputs": [transfer_status, transfer_plot, transfer_summary, transfer_table,
                    transfer_files],
        **training(),
    }  # fmt: skip
    overfit_button.click(
        **overfit_event,
        api_name="overfit_demo",
        api_description="The overfitting demo: training vs held-out loss, turning point.",
    )
    transfer_button.click(
        **transfer_event,
        api_name="transfer_demo",
        api_description="From scratch vs pretrained: held-out curves and answers of both arms.",
    )
    import_outputs = [import_summary, parts.loss_plot, parts.results, parts.session]
    imported = import_button.click(
        user_errors(bring_back),
        [parts.session, upload],
        import_outputs,
        api_name="import_adapter",
        api_description="Load an exported lora-adapter.zip as this session's fine-tuned model.",
        **training(),  # checking the weights applies them to the shared training copy
    )
    demos.only(OVERFIT_DEMOS).wire(_open, [overfit_box], [overfit_event])
    demos.only(TRANSFER_DEMOS).wire(_open, [transfer_box], [transfer_event])

    # The round-trip demo brings back the zip the tab's export just wrote (its download box);
    # when its run was cancelled before a first step there is no zip, and it says so.
    def bring_back_exported(
        session: TuneSession | None, file: str | None, request: gr.Request = None
    ) -> tuple[Any, ...]:
        if not file:
            return views.NOTHING_TO_BRING_BACK, gr.skip(), gr.skip(), session
        return bring_back(session, file, request)

    import_step = {"fn": user_errors(bring_back_exported), "outputs": import_outputs, **training()}
    return DynamicsPanel([imported], import_step, import_box)


def _open(slug: str) -> gr.Accordion:
    """A view's demo opens its accordion (the slug only picks which demo ran)."""
    return gr.Accordion(open=True)


def _files(paths: list[str]) -> Any:
    return exports.shown(paths) if paths else gr.skip()
