"""Fine-tune tab: transfer learning you can watch. Pick or upload examples, train a LoRA adapter on
the language model for about a minute, then compare base and fine-tuned answers side by side.

Wiring only: parsing is in models/finetune_data.py, training in models/finetune.py, comparisons in
models/finetune_compare.py, export in models/finetune_export.py. Handlers are plain functions.
API: ``/inspect_data``, ``/finetune`` (streams progress), ``/compare_models``, ``/export_adapter``.
"""

from __future__ import annotations

import functools
import math
import queue
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import plotly.graph_objects as go

from components import finetune_report
from components.demo_presets import FINETUNE_PRESETS, apply_finetune
from components.errors import user_errors
from components.presenter import EXPERT, PresetBar, preset_bar
from models.errors import InvalidInputError
from models.finetune import (
    ADAPTERS,
    MAX_WALL_SECONDS,
    TrainedAdapter,
    TrainProgress,
    TrainSettings,
    bench_for,
    token_length_summary,
)
from models.finetune_compare import CompareSettings, compare
from models.finetune_data import (
    MAX_EXAMPLES,
    MAX_FILE_BYTES,
    ParsedData,
    Split,
    load_builtin,
    parse_file,
    split_examples,
)
from models.finetune_export import zip_adapter
from models.registry import Registry

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "finetune"
BUILTIN_SETS = {  # label -> file; the label is what the radio shows
    "Pirate speak": "pirate.jsonl",
    "Haiku": "haiku.jsonl",
    "Playground concepts": "concepts.jsonl",
}
UPLOAD = "Upload a file"
EXPLANATION = """\
**Transfer learning**: the language model already knows English from pre-training on billions of
words. Fine-tuning keeps all of that and trains a tiny add-on (a *LoRA adapter*, well under 1% of
the weights) on a few dozen examples, so the model picks up a new style or skill in about a
minute. The original weights never change: every comparison below runs the same base model with
and without the adapter, on the same prompts with the same seed.
"""


@dataclass
class TuneSession:
    """What one browser session has: its data, split and (after training) its adapter."""

    data: ParsedData
    split: Split
    source: str
    key: str = ""
    adapter: TrainedAdapter | None = None
    loss_before: float | None = None
    loss_after: float | None = None


def release(session: TuneSession | None) -> None:
    """Free the session's adapter slot (Gradio calls this when the session ends)."""
    if isinstance(session, TuneSession) and session.key:
        ADAPTERS.release(session.key)


def load_data(choice: str, upload: str | None) -> tuple[ParsedData, str]:
    if choice in BUILTIN_SETS:
        return load_builtin(ASSETS / BUILTIN_SETS[choice]), choice
    if choice != UPLOAD:
        raise InvalidInputError(f"Pick one of: {', '.join([*BUILTIN_SETS, UPLOAD])}.")
    if not upload:
        raise InvalidInputError("Upload a .csv, .jsonl or .txt file first.")
    path = Path(upload)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InvalidInputError(
            f"The file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB. "
            f"Upload at most {MAX_EXAMPLES} examples."
        )
    return parse_file(path.name, path.read_bytes()), path.name


def describe(tokenizer: Any, data: ParsedData, source: str) -> tuple[str, list[list[str]], Split]:
    """Summary text, preview rows and the train/held-out split of a parsed data set."""
    split = split_examples(data.examples)
    lengths = token_length_summary(tokenizer, data.examples, TrainSettings().max_seq_len)
    lines = [
        f"**{source}**: {data.format}, {len(data.examples)} examples "
        f"→ {len(split.train)} to train on, {len(split.held_out)} held out for the comparison.",
        f"Tokens per example: min {lengths['min']}, median {lengths['median']}, "
        f"max {lengths['max']} ({lengths['truncated']} longer than "
        f"{TrainSettings().max_seq_len} will be cut).",
    ]
    lines += [f"Note: {notice}" for notice in data.notices]
    if data.problems:
        shown = data.problems[:8]
        more = f" (and {len(data.problems) - 8} more)" if len(data.problems) > 8 else ""
        lines.append(f"Skipped {len(data.problems)} rows{more}:")
        lines += [f"- {problem}" for problem in shown]
    preview = [[e.prompt or "(text only)", e.response] for e in data.examples[:8]]
    return "\n\n".join(lines), preview, split


@functools.lru_cache(maxsize=16)
def describe_builtin(
    registry: Registry, model_name: str, choice: str
) -> tuple[ParsedData, str, list[list[str]], Split]:
    """A built-in set's description, computed once per process: it runs on every page load
    (the default choice), so a lecture hall opening the app must not tokenize it 200 times.
    The cached objects are only read, never changed, by the sessions that share them."""
    data = load_builtin(ASSETS / BUILTIN_SETS[choice])
    tokenizer = registry.load(model_name, kind="causal-lm").tokenizer
    return (data, *describe(tokenizer, data, choice))


def inspect_data(
    registry: Registry, choice: str, upload: str | None
) -> tuple[str, list[list[str]], TuneSession]:
    """Summary, preview rows and a fresh session for the chosen data (handler for /inspect_data)."""
    model_name = registry.default("causal-lm")
    if choice in BUILTIN_SETS:
        data, summary, preview, split = describe_builtin(registry, model_name, choice)
        return summary, preview, TuneSession(data, split, choice)
    data, source = load_data(choice, upload)
    tokenizer = registry.load(model_name, kind="causal-lm").tokenizer
    summary, preview, split = describe(tokenizer, data, source)
    return summary, preview, TuneSession(data, split, source)


def loss_figure(losses: list[float], total_steps: int) -> go.Figure:
    figure = go.Figure(
        go.Scatter(
            x=list(range(1, len(losses) + 1)), y=losses, mode="lines+markers", name="training loss"
        )
    )
    figure.update_layout(
        title="Training loss (lower = the examples surprise the model less)",
        xaxis_title="step",
        yaxis_title="loss",
        height=320,
        margin=dict(l=50, r=20, t=50, b=40),
        xaxis_range=[0.5, max(total_steps, 1) + 0.5],
    )
    return figure


def settings_from(epochs, learning_rate, rank, max_seq_len, max_steps) -> TrainSettings:
    return TrainSettings(
        epochs=epochs,
        learning_rate=learning_rate,
        rank=rank,
        max_seq_len=max_seq_len,
        max_steps=max_steps,
    ).validated()


def results_markdown(session: TuneSession) -> str:
    adapter = session.adapter
    if adapter is None or session.loss_before is None or session.loss_after is None:
        return ""
    change = session.loss_after / session.loss_before - 1
    ended = f" ({adapter.stopped})" if adapter.stopped else ""
    return (
        f"Trained {adapter.steps} steps in {adapter.seconds:.0f} s{ended}.\n\n"
        "| on the held-out examples | base model | fine-tuned |\n|---|---|---|\n"
        f"| loss | {session.loss_before:.3f} | {session.loss_after:.3f} ({change:+.0%}) |\n"
        f"| perplexity | {math.exp(session.loss_before):.1f} | {math.exp(session.loss_after):.1f} |"
    )


def run_finetune(
    registry: Registry,
    session: TuneSession | None,
    epochs: float,
    learning_rate: float,
    rank: float,
    max_seq_len: float,
    max_steps: float,
    temperature: float = 0.0,
    seed: float = 0,
    max_new_tokens: float = 48,
) -> Iterator[tuple[str, go.Figure | None, str, list[list[str]], TuneSession | None]]:
    """Train, streaming (status, loss plot, results, comparisons, session) after every step."""
    if not isinstance(session, TuneSession):
        raise InvalidInputError("Pick a data set (or upload one) before fine-tuning.")
    settings = settings_from(epochs, learning_rate, rank, max_seq_len, max_steps)
    sampling = CompareSettings(
        max_new_tokens=max_new_tokens, temperature=temperature, seed=seed
    ).validated()
    lm = registry.load(registry.default("causal-lm"), kind="causal-lm")
    key = session.key or uuid.uuid4().hex
    ADAPTERS.claim(key)  # refuses when the server holds too many adapters
    session.key = key
    yield "Preparing: measuring the base model on the held-out examples…", None, "", [], session
    bench = bench_for(lm)
    if session.loss_before is None:
        session.loss_before = bench.held_out_loss(
            session.split.held_out, None, settings.max_seq_len
        )

    updates: queue.Queue[TrainProgress | BaseException | TrainedAdapter] = queue.Queue()
    cancel = threading.Event()

    def train() -> None:
        try:
            updates.put(bench.train(session.split.train, settings, updates.put, cancel))
        except BaseException as error:  # handed to the streaming loop
            updates.put(error)

    worker = threading.Thread(target=train, name="lora-training", daemon=True)
    worker.start()
    losses: list[float] = []
    try:
        while True:
            item = updates.get()
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, TrainedAdapter):
                break
            losses.append(item.loss)
            status = (
                f"Epoch {item.epoch}, step {item.step} of {item.total_steps} · "
                f"loss {item.loss:.3f} · {item.seconds:.0f} s"
            )
            yield status, loss_figure(losses, item.total_steps), "", [], session
    finally:
        cancel.set()  # the user pressed Cancel or closed the tab: stop within one step
        worker.join()
    session.adapter = item
    session.loss_after = bench.held_out_loss(session.split.held_out, item, settings.max_seq_len)
    yield (
        "Comparing base and fine-tuned answers on held-out prompts…",
        loss_figure(losses, item.steps),
        results_markdown(session),
        [],
        session,
    )
    held = session.split.held_out[:4]
    rows = comparison_rows(
        bench,
        session,
        [e.prompt or e.response[:60] for e in held],
        sampling,
        [e.response for e in held],
    )
    yield (
        "Done. Try your own prompts below.",
        loss_figure(losses, item.steps),
        results_markdown(session),
        rows,
        session,
    )


def comparison_rows(bench, session, prompts, settings, expected=None) -> list[list[str]]:
    assert session.adapter is not None
    found = compare(bench, session.adapter, prompts, settings, expected)
    return [[c.prompt, c.base, c.tuned, c.expected] for c in found]


def compare_models(
    registry: Registry,
    session: TuneSession | None,
    prompts: str,
    temperature: float,
    seed: float,
    max_new_tokens: float,
) -> list[list[str]]:
    """Base vs fine-tuned replies to the user's prompts, one per line (/compare_models)."""
    if not isinstance(session, TuneSession) or session.adapter is None:
        raise InvalidInputError("Fine-tune a model first; then its answers can be compared.")
    settings = CompareSettings(
        max_new_tokens=max_new_tokens, temperature=temperature, seed=seed
    ).validated()
    bench = bench_for(registry.load(session.adapter.base_model, kind="causal-lm"))
    return comparison_rows(bench, session, str(prompts or "").splitlines(), settings)


def export_adapter(registry: Registry, session: TuneSession | None) -> str:
    if not isinstance(session, TuneSession) or session.adapter is None:
        raise InvalidInputError("Fine-tune a model first; then its adapter can be downloaded.")
    bench = bench_for(registry.load(session.adapter.base_model, kind="causal-lm"))
    return str(zip_adapter(bench, session.adapter))


def build(registry: Registry) -> PresetBar:
    gr.Markdown(EXPLANATION)
    demos = preset_bar("finetune", FINETUNE_PRESETS)
    session = gr.State(None, delete_callback=release, time_to_live=3 * 3600)
    with gr.Row():
        with gr.Column(scale=1):
            choice = gr.Radio([*BUILTIN_SETS, UPLOAD], value="Pirate speak", label="Examples")
            upload = gr.File(
                label="CSV (prompt,response or text), JSONL or TXT",
                file_types=[".csv", ".jsonl", ".json", ".txt"],
                visible=False,
                type="filepath",
            )
            gr.Markdown(
                f"Limits: {MAX_FILE_BYTES // 1_000_000} MB per file, {MAX_EXAMPLES} examples, "
                f"{TrainSettings.LIMITS['max_steps'][1]} steps and {MAX_WALL_SECONDS} s per run.",
                elem_classes=["finetune-limits"],
            )
        with gr.Column(scale=2):
            summary = gr.Markdown(elem_id="finetune-summary")
            preview = gr.Dataframe(
                headers=["prompt", "response"],
                interactive=False,
                wrap=True,
                label="First examples",
                max_height=260,
            )
    with gr.Accordion("Advanced settings", open=False, elem_classes=[EXPERT]):
        with gr.Row():
            epochs = gr.Slider(1, 10, value=3, step=1, label="Epochs")
            learning_rate = gr.Number(
                value=TrainSettings().learning_rate,
                label="Learning rate",
                minimum=1e-6,
                maximum=1e-2,
            )
            rank = gr.Slider(1, 64, value=8, step=1, label="LoRA rank")
            max_seq_len = gr.Slider(16, 256, value=96, step=8, label="Max tokens per example")
            max_steps = gr.Slider(1, 500, value=120, step=1, label="Max steps")
    with gr.Row():
        train_button = gr.Button("Fine-tune", variant="primary")
        cancel_button = gr.Button("Cancel")
    status = gr.Markdown(elem_id="finetune-status")
    loss_plot = gr.Plot(label="Loss curve", elem_id="finetune-loss")
    results = gr.Markdown(elem_id="finetune-results")
    table = gr.Dataframe(
        headers=["Prompt", "Base model", "Fine-tuned", "Expected (held out)"],
        interactive=False,
        wrap=True,
        label="Before vs after, same seed",
        column_widths=["16%", "28%", "28%", "28%"],
        elem_id="finetune-comparison",
    )
    with gr.Row():
        prompts = gr.Textbox(
            label="Your prompts (one per line)",
            lines=3,
            scale=3,
            placeholder="What is the best way to learn?",
        )
        with gr.Column(scale=1, elem_classes=[EXPERT]):
            temperature = gr.Slider(0, 2, value=0, step=0.05, label="Temperature (0 = greedy)")
            seed = gr.Number(value=0, precision=0, label="Seed")
            max_new = gr.Slider(8, 256, value=48, step=8, label="Max new tokens")
    finetune_report.export_row(session, table)
    with gr.Row(elem_classes=[EXPERT]):
        compare_button = gr.Button("Compare base and fine-tuned")
        export_button = gr.Button("Prepare adapter download")
        download = gr.File(label="Adapter (peft format, zip)", interactive=False)

    def show_upload(picked: str) -> gr.File:
        return gr.File(visible=picked == UPLOAD)

    def inspect(picked: str, file: str | None):
        if picked == UPLOAD and not file:  # waiting for a file is not an error
            return "Upload a .csv, .jsonl or .txt file with your examples.", [], None
        return inspect_data(registry, picked, file)

    choice.change(show_upload, choice, upload, api_visibility="private", queue=False)
    # Runs on page load (so the default set is previewed) and whenever the choice or file changes.
    gr.on(
        None,
        user_errors(inspect),
        [choice, upload],
        [summary, preview, session],
        api_name="inspect_data",
        api_description="Check a data set: summary and preview.",
    )
    train = {
        "fn": user_errors(lambda *args: (yield from run_finetune(registry, *args))),
        "inputs": [session, epochs, learning_rate, rank, max_seq_len, max_steps, temperature,
                   seed, max_new],
        "outputs": [status, loss_plot, results, table, session],
        "concurrency_limit": 1,
        "concurrency_id": "finetune",
    }  # fmt: skip
    # One-click demos: pick the data and settings, check the data, then train.
    demo_runs = demos.wire(
        apply_finetune,
        [choice, epochs, max_steps, prompts],
        then=[{"fn": user_errors(inspect), "inputs": [choice, upload],
               "outputs": [summary, preview, session]}, train],
    )  # fmt: skip
    train_event = train_button.click(
        user_errors(lambda *args: (yield from run_finetune(registry, *args))),
        [session, epochs, learning_rate, rank, max_seq_len, max_steps, temperature, seed, max_new],
        [status, loss_plot, results, table, session],
        api_name="finetune",
        api_description="Fine-tune on the session's data; streams progress.",
        concurrency_limit=1,
        concurrency_id="finetune",
    )
    cancel_button.click(
        lambda: "Cancelled.",
        None,
        status,
        cancels=[train_event, *demo_runs],
        api_visibility="private",
        queue=False,
    )
    compare_button.click(
        user_errors(lambda *args: compare_models(registry, *args)),
        [session, prompts, temperature, seed, max_new],
        table,
        api_name="compare_models",
        api_description="Base vs fine-tuned answers to prompts (one per line), same seed.",
        concurrency_id="finetune",
    )
    export_button.click(
        user_errors(lambda s: export_adapter(registry, s)),
        session,
        download,
        api_name="export_adapter",
    )
    return demos
