"""Fine-tune tab: transfer learning you can watch. Pick or upload examples, train a LoRA adapter on
the language model for a minute or two, then compare base and fine-tuned answers side by side.

Layout and event wiring only: the handlers (plain functions) are in components/finetune/handlers.py.
API: ``/inspect_data``, ``/finetune`` (streams progress and the live held-out loss; early stop),
``/compare_models``, ``/finetune_drift``, ``/export_adapter``; the learning-dynamics views
(components/finetune/dynamics_panel.py) add ``/overfit_demo``, ``/transfer_demo`` and
``/import_adapter``. Every setting is declared once (models/finetune/settings.py TrainSettings,
models/finetune/compare.py CompareSettings): the widgets are drawn from the declarations and
the handlers get the settings objects, each value under its one name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.concurrency import training
from components.demos import preset_bar
from components.endpoints import endpoint, old_names
from components.errors import user_errors
from components.finetune import dynamics_panel as dynamics
from components.finetune import exports as run_exports
from components.finetune.data_handlers import BUILTIN_SETS, UPLOAD, inspect_data
from components.finetune.handlers import (
    cancel_training,
    compare_models,
    export_adapter,
    export_if_trained,
    run_finetune,
    show_drift,
    text_tab_prompt,
)
from components.finetune.presets import (
    ALL_PRESETS,
    ROUND_TRIP_DEMOS,
    TRAINING_DEMOS,
    finetune_demo,
)
from components.finetune.session import TuneSession, client_address, release
from components.tab_contract import EXPERT, BuiltTab
from components.widgets import values_for, widgets
from models.finetune.compare import CompareSettings
from models.finetune.data import MAX_EXAMPLES, MAX_FILE_BYTES
from models.finetune.settings import MAX_WALL_SECONDS, TrainSettings
from models.registry import Registry
from models.sentences import sentence
from models.zerogpu import gpu, on_zerogpu

DEFAULT_SET = "Pirate speak"
# Loss says how well the model imitates the examples, not whether what it says is true.
CAVEAT = (
    "A lower loss means the fine-tuned model imitates your examples more closely: their style, "
    "length and words. It does not make the model more correct, and a 135M model keeps "
    "getting facts wrong, now in the new style."
)
EXPLANATION = """\
**Transfer learning**: the language model already knows English from pre-training on billions of
words. Fine-tuning keeps all of that and trains a tiny add-on (a *LoRA adapter*, well under 1% of
the weights) on a few dozen examples, so the model picks up a new style or skill in a minute
or two. The original weights never change: every comparison below runs the same base model with
and without the adapter, on the same prompts with the same seed.
"""


WAITING_FOR_FILE = sentence("Upload a .csv, .jsonl or .txt file with your examples.")
# The endpoints' earlier parameter names, accepted (with a warning) until the next release.
RENAMED_INSPECT = {"picked": "data"}  # the name of a data set, as everywhere else
# The /finetune API's parameters in the order callers pass them by position (scripts, the
# hosting tests): the training settings the tab shows, the comparison's, then early stop.
FINETUNE_PARAMETERS = (
    "epochs", "learning_rate", "rank", "max_seq_len", "max_steps",
    "temperature", "seed", "max_new_tokens", "early_stop", "patience",
)  # fmt: skip
COMPARED = ("temperature", "seed", "max_new_tokens")  # the comparison settings the tab shows


def new_session_state() -> gr.State:
    """The per-session fine-tune state (a ``TuneSession`` once data is chosen). app.py makes it
    before the tabs so the Text tab can generate with this session's adapter."""
    return gr.State(None, delete_callback=release, time_to_live=3 * 3600)


@dataclass(kw_only=True)
class FinetuneTab(BuiltTab):
    """What app.py wires across tabs."""

    session: gr.State
    try_in_text: gr.Button

    def wire_try_in_text(self, use_tuned: gr.Checkbox, prompt: gr.Textbox, tabs: gr.Tabs) -> None:
        """The button ticks the Text tab's "use my fine-tuned model", puts a held-out prompt
        in, and opens that tab."""
        self.try_in_text.click(
            user_errors(lambda s: (True, text_tab_prompt(s), gr.Tabs(selected="text"))),
            self.session,
            [use_tuned, prompt, tabs],
            api_visibility="private",
            queue=False,
        )


def build(registry: Registry, session: gr.State | None = None) -> FinetuneTab:
    session = session if session is not None else new_session_state()
    # This session's cancel event; a closed tab's session end sets it too.
    control = gr.State({}, delete_callback=cancel_training)
    with gr.Row(equal_height=False, elem_classes=["tab-layout"]):
        with gr.Column(scale=2, min_width=320, elem_classes=["tab-controls"]):
            gr.Markdown(EXPLANATION, elem_classes=["tab-intro"])
            demos = preset_bar("finetune", ALL_PRESETS)
            data_set = gr.Radio([*BUILTIN_SETS, UPLOAD], value=DEFAULT_SET, label="Examples")
            upload = gr.File(
                label="CSV (prompt,response or text), JSONL or TXT",
                file_types=[".csv", ".jsonl", ".json", ".txt"],
                visible=False,
                type="filepath",
            )
            summary = gr.Markdown(elem_id="finetune-summary", label="Data summary")
            # Each setting's default, range and label are declared once, beside the code that
            # reads them (models/finetune/settings.py TrainSettings); here only how each looks.
            with gr.Accordion("Advanced settings", open=False, elem_classes=[EXPERT]):
                with gr.Row():
                    train_controls = widgets(TrainSettings, only=("epochs", "rank"))
                with gr.Row():
                    train_controls |= widgets(TrainSettings, only=("max_seq_len", "max_steps"))
                train_controls |= widgets(TrainSettings, only=("learning_rate",))
            train_controls |= dynamics.early_stop_controls()
            with gr.Row():
                train_button = gr.Button("Fine-tune", variant="primary", elem_id="finetune-train")
                cancel_button = gr.Button("Cancel", elem_id="finetune-cancel")
            gr.Markdown(
                f"Limits: {MAX_FILE_BYTES // 1_000_000} MB per file, {MAX_EXAMPLES} examples, "
                f"{TrainSettings.declared()['max_steps'].high} steps and {MAX_WALL_SECONDS} s "
                "per run.",
                elem_classes=["finetune-limits", "caveat"],
            )
            preview = gr.Dataframe(
                headers=["prompt", "response"],
                interactive=False,
                wrap=True,
                label="First examples",
                max_height=260,
            )
        with gr.Column(scale=3, min_width=320, elem_classes=["tab-results"]):
            status = gr.Markdown(elem_id="finetune-status", label="Status")
            loss_plot = gr.Plot(label="Loss curve", elem_id="finetune-loss")
            results = gr.Markdown(elem_id="finetune-results", label="Results")
            table = gr.Dataframe(
                headers=["Prompt", "Base model", "Fine-tuned", "Expected (held out)"],
                interactive=False,
                wrap=True,
                label="Before vs after, same seed",
                column_widths=["16%", "28%", "28%", "28%"],
                elem_id="finetune-comparison",
            )
            gr.Markdown(CAVEAT, elem_classes=["caveat"], elem_id="finetune-caveat")
            try_in_text = gr.Button(
                "Write with it in the Text tab →", visible=False, elem_id="finetune-try-in-text"
            )
            with gr.Row(equal_height=True):
                prompts = gr.Textbox(
                    label="Your prompts (one per line)",
                    lines=3,
                    scale=3,
                    placeholder="What is the best way to learn?",
                    elem_id="finetune-prompts",
                )
                compare_button = gr.Button(
                    "Compare base and fine-tuned", scale=1, elem_id="finetune-compare"
                )
            with gr.Row(elem_classes=[EXPERT]):  # models/finetune/compare.py CompareSettings
                compare_controls = widgets(CompareSettings, only=COMPARED)
            run_exports.export_row(session, table)
    with gr.Accordion("Drift view: how fine-tuning moved the model's representations", open=False):
        gr.Markdown(
            "The held-out prompts and answers, embedded by the base model and by the fine-tuned "
            "model (the mean of the last hidden layer), mapped together with UMAP."
        )
        drift_button = gr.Button("Show drift")
        drift_text = gr.Markdown(elem_id="finetune-drift-summary", label="Drift summary")
        drift_plot = gr.Plot(label="Base vs fine-tuned representations")
    with gr.Row(elem_classes=[EXPERT]):
        export_button = gr.Button("Prepare adapter download", elem_id="finetune-export-adapter")
        download = gr.File(label="Adapter (peft format, zip)", interactive=False,
                           elem_id="finetune-adapter-file")  # fmt: skip
    # The learning-dynamics views: overfitting, from scratch vs pretrained, bring back an adapter.
    parts = dynamics.TabParts(session=session, control=control, loss_plot=loss_plot,
                              results=results)  # fmt: skip
    panel = dynamics.build_dynamics_panel(registry, parts, demos)

    def show_upload(data: str) -> gr.File:
        return gr.File(visible=data == UPLOAD)

    def inspect(data: str = DEFAULT_SET, file: str | None = None, request: gr.Request = None):
        if data == UPLOAD and not file:  # waiting for a file is not an error
            return WAITING_FOR_FILE, [], None
        # One adapter slot per browser (or API client) session, however often data is picked.
        slot = f"session-{request.session_hash}" if request and request.session_hash else ""
        address = client_address(request)  # and at most half the slots per client address
        summary, preview, session = inspect_data(registry, data, file, slot, address)
        return summary, preview, session  # said in the page's language (user_errors)

    data_set.change(show_upload, data_set, upload, api_visibility="private", queue=False)
    # The API's names: ``data`` as everywhere else; the old ``picked`` keeps working for one
    # release, with a warning (a hidden input: only API callers send it).
    check_data = user_errors(endpoint(inspect, renamed=RENAMED_INSPECT))
    inspect_inputs = {"data": data_set, "file": upload, **old_names(RENAMED_INSPECT)}
    inspect_outputs = [summary, preview, session]
    # Runs on page load (so the default set is previewed) and whenever the choice or file changes.
    gr.on(
        None,
        check_data,
        inputs_kwargs=inspect_inputs,
        outputs=inspect_outputs,
        api_name="inspect_data",
        api_description="Check a data set: summary and preview.",
    )

    # ZeroGPU (models/zerogpu.py) pickles a GPU function's arguments: the registry stays in the
    # closure. Training, held-out losses and the first comparisons fit in one GPU allocation.
    @gpu(duration=MAX_WALL_SECONDS + 60)
    def train_on_device(
        session: TuneSession | None,
        train: TrainSettings,
        compare: CompareSettings,
        control: dict[str, Any] | None,
    ) -> Iterator[Any]:
        yield from run_finetune(registry, session, train, compare, control)

    def fine_tune(
        session: TuneSession | None = None,
        *,
        train: TrainSettings,
        compare: CompareSettings,
        control: dict[str, Any] | None = None,
    ) -> Iterator[Any]:
        # On ZeroGPU the run is in a GPU worker: the cancel event cannot be pickled there, and
        # Gradio's own cancel ends that run.
        yield from train_on_device(session, train, compare, None if on_zerogpu() else control)

    finetune = user_errors(
        endpoint(fine_tune, train=(TrainSettings, tuple(train_controls)),
                 compare=(CompareSettings, COMPARED))
    )  # fmt: skip
    shown = {**train_controls, **compare_controls}
    train_inputs = {"session": session, **{name: shown[name] for name in FINETUNE_PARAMETERS},
                    "control": control}  # fmt: skip
    train_outputs = [status, loss_plot, results, table, session]
    train_event = train_button.click(
        finetune,
        inputs_kwargs=train_inputs,
        outputs=train_outputs,
        api_name="finetune",
        api_description="Fine-tune on the session's data; streams progress.",
        **training(),
    )

    # One-click demos: fill the controls by name, check the data, then train.
    def apply_demo(slug: str) -> dict[Any, Any]:
        demo = finetune_demo(slug)
        return {data_set: demo.data, prompts: demo.prompts,
                **values_for(train_controls, demo.train),
                **values_for(compare_controls, demo.compare)}  # fmt: skip

    demo_outputs = [data_set, prompts, *shown.values()]
    check_step = {"fn": check_data, "inputs_kwargs": inspect_inputs, "outputs": inspect_outputs}
    train_step = {"fn": finetune, "inputs_kwargs": train_inputs, "outputs": train_outputs,
                  **training()}  # fmt: skip
    demo_runs = demos.only(TRAINING_DEMOS).wire(apply_demo, demo_outputs, [check_step, train_step])
    # Export and bring back: a short run, the adapter zipped, then read back from that zip.
    demo_runs += demos.only(ROUND_TRIP_DEMOS).wire(
        lambda slug: {**apply_demo(slug), panel.import_box: gr.Accordion(open=True)},
        [*demo_outputs, panel.import_box],
        then=[
            check_step,
            train_step,
            {"fn": user_errors(lambda s: export_if_trained(registry, s)), "inputs": session,
             "outputs": download, **training()},
            {**panel.import_step, "inputs": [session, download]},
        ],
    )  # fmt: skip
    for run in (train_event, *demo_runs, *panel.imported):
        run.then(  # offered once this session has an adapter
            lambda s: gr.Button(visible=isinstance(s, TuneSession) and s.adapter is not None),
            session,
            try_in_text,
            api_visibility="private",
            queue=False,
        )
    # No Gradio ``cancels``: that would end the stream mid-update and paint its outputs red.
    # The run sees the event within one step and ends with the partial curve and a sentence.
    cancel_button.click(
        user_errors(cancel_training), control, status, api_visibility="private", queue=False
    )

    @gpu
    def compare(
        session: TuneSession | None, prompts: str, *, settings: CompareSettings
    ) -> list[list[str]]:
        return compare_models(registry, session, prompts, settings)

    compare_button.click(
        user_errors(endpoint(compare, settings=(CompareSettings, COMPARED))),
        inputs_kwargs={"session": session, "prompts": prompts, **compare_controls},
        outputs=table,
        api_name="compare_models",
        api_description="Base vs fine-tuned answers to prompts (one per line), same seed.",
        **training(),
    )
    drift_button.click(
        user_errors(gpu(lambda s: show_drift(registry, s))),
        session,
        [drift_plot, drift_text],
        api_name="finetune_drift",
        api_description="Base vs fine-tuned representations of the held-out sentences on one map.",
        **training(),
    )
    export_button.click(
        user_errors(lambda s: export_adapter(registry, s)),
        session,
        download,
        api_name="export_adapter",
        **training(),  # saving applies the adapter to the shared training copy of the model
    )
    return FinetuneTab(session=session, try_in_text=try_in_text, presets=demos)
