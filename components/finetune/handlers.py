"""Handlers of the Fine-tune tab: plain functions from widget values to results, testable
without a browser. A run takes its settings as two objects, each value under its one name:
``TrainSettings`` (models/finetune/settings.py) and ``CompareSettings``
(models/finetune/compare.py). The tab's layout and event wiring are in
components/finetune/tab.py; the data (built-in sets, uploads, /inspect_data) in
components/finetune/data_handlers.py, a session and its adapter slot in
components/finetune/session.py.

Parsing is in models/finetune/data.py, training in models/finetune/training.py, comparisons in
models/finetune/compare.py, the drift view in models/finetune/drift.py, export in
models/finetune/export.py.
"""

from __future__ import annotations

import math
import queue
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import plotly.graph_objects as go

from components.eta import left_piece
from components.finetune.data_handlers import enough_epochs, planned_steps
from components.finetune.plots import drift_figure, drift_summary, loss_figure
from components.finetune.session import (
    TuneSession,
    adapter_bench,
    hold_slot,
    trained_session,
)
from components.safe_text import escape_markdown
from models.errors import InvalidInputError
from models.finetune.compare import CompareSettings, compare
from models.finetune.drift import measure_drift
from models.finetune.evaluation import Point, held_out_report
from models.finetune.export import zip_adapter
from models.finetune.settings import TrainedAdapter, TrainProgress, TrainSettings
from models.finetune.training import (
    ADAPTERS,
    BenchWaitCancelled,
    bench_for,
)
from models.registry import Registry
from models.sentences import Sentence, joined, lines, paragraphs, sentence

PREPARING = sentence("Preparing: measuring the base model on the held-out examples…")
CANCELLED_BEFORE_TRAINING = sentence(
    "Cancelled before the first step: nothing was trained. Press Fine-tune to start again."
)


def held_out_status(progress: TrainProgress) -> str:
    """The live held-out figure for the status line: the latest evaluation and the best so far."""
    if not progress.held_out:
        return ""
    step, loss = progress.held_out[-1]
    if progress.best_step is not None and progress.best_step != step:
        return sentence(
            "held-out {loss} (step {step}), best at step {best}",
            loss=f"{loss:.3f}",
            step=step,
            best=progress.best_step,
        )
    return sentence("held-out {loss} (step {step})", loss=f"{loss:.3f}", step=step)


def results_markdown(session: TuneSession) -> str:
    adapter = session.adapter
    if adapter is None or session.loss_before is None or session.loss_after is None:
        return ""
    change = session.loss_after / session.loss_before - 1
    live = held_out_report(adapter.held_out, adapter.kept_step, adapter.steps,
                           examples=adapter.held_out_examples)  # fmt: skip
    if adapter.stopped.startswith("stopped early"):
        live = joined(" ", live, sentence(
            "Early stopping ended the run at step {stop}: the best step's adapter (step {best}) "
            "is kept.",
            stop=adapter.steps, best=adapter.kept_step,
        ))  # fmt: skip
    took = {"steps": adapter.steps, "seconds": f"{adapter.seconds:.0f}"}
    if not adapter.steps:
        trained = sentence("A brought-back adapter whose zip held no training history.")
    elif adapter.stopped:
        # A run's own reason is a sentence; a brought-back zip's (training.json) is the file's
        # text, shown as text.
        stopped = adapter.stopped
        trained = sentence(
            "Trained {steps} steps in {seconds} s ({stopped}).",
            stopped=stopped if isinstance(stopped, Sentence) else escape_markdown(stopped, 200),
            **took,
        )
    else:
        trained = sentence("Trained {steps} steps in {seconds} s.", **took)
    table = lines(
        sentence("| on the held-out examples | base model | fine-tuned |"),
        "|---|---|---|",
        sentence(
            "| loss | {before} | {after} ({change}) |",
            before=f"{session.loss_before:.3f}", after=f"{session.loss_after:.3f}",
            change=f"{change:+.0%}",
        ),
        sentence(
            "| perplexity | {before} | {after} |",
            before=f"{math.exp(session.loss_before):.1f}",
            after=f"{math.exp(session.loss_after):.1f}",
        ),
    )  # fmt: skip
    return paragraphs(trained, live, table)


def run_finetune(
    registry: Registry,
    session: TuneSession | None,
    train: TrainSettings,
    compare: CompareSettings,
    control: dict[str, Any] | None = None,
) -> Iterator[tuple[str, go.Figure | None, str, list[list[str]], TuneSession | None]]:
    """``finetune_run`` with the session's adapter marked in use throughout: the server never
    evicts an adapter while it trains or answers."""
    if not isinstance(session, TuneSession):
        raise InvalidInputError("Pick a data set (or upload one) before fine-tuning.")
    session.key = session.key or uuid.uuid4().hex
    with ADAPTERS.using(session.key):
        yield from finetune_run(registry, session, train, compare, control)


def finetune_run(
    registry: Registry,
    session: TuneSession | None,
    train: TrainSettings,
    compare: CompareSettings,
    control: dict[str, Any] | None = None,
) -> Iterator[tuple[str, go.Figure | None, str, list[list[str]], TuneSession | None]]:
    """Train with ``train``, then answer held-out prompts with ``compare``, streaming (status,
    loss plot, results, comparisons, session) after every step (/finetune).

    The held-out examples are measured every ``eval_every`` steps (the plot's second line) and
    the adapter keeps the best measured step's weights; with ``train.early_stop`` the run ends
    after ``train.patience`` evaluations in a row without a new best. ``control`` holds this
    session's cancel event (its Cancel button sets it)."""
    if not isinstance(session, TuneSession):
        raise InvalidInputError("Pick a data set (or upload one) before fine-tuning.")
    chosen = train.validated()  # a handler may be given settings built in code
    settings = enough_epochs(len(session.split.train), chosen)
    raised = (
        f" {len(session.split.train)} examples at {chosen.epochs} epochs are too few steps to "
        f"learn from, so this run trains {settings.epochs} epochs."
        if settings.epochs != chosen.epochs
        else ""
    )
    sampling = compare.validated()
    model_name = registry.default("causal-lm")
    lm = registry.load(model_name, kind="causal-lm")
    hold_slot(session)  # evicts an idle adapter when full; refuses when all are busy
    # Cancel works from the first thing the run shows: a press while it prepares (or waits for
    # the training slot) ends it before its first step, instead of being ignored.
    cancel = threading.Event()
    if control is not None:  # this session's Cancel button (and its end) set it
        control["cancel"] = cancel
    yield PREPARING, None, "", [], session
    bench = bench_for(lm)
    # Measured at this run's token limit (remembered per limit by the bench), never reused from a
    # run at another limit: before and after are always the same measurement.
    try:  # waits while another run holds the bench: a Cancel meanwhile ends this run at once
        session.loss_before = bench.base_loss(session.split.held_out, settings.max_seq_len, cancel)
    except BenchWaitCancelled:
        cancel.set()
    if cancel.is_set():
        yield CANCELLED_BEFORE_TRAINING, None, "", [], session
        return

    updates: queue.Queue[TrainProgress | BaseException | TrainedAdapter] = queue.Queue()

    def work() -> None:
        try:
            updates.put(
                bench.train(
                    session.split.train, settings, updates.put, cancel,
                    held_out=session.split.held_out,
                )
            )  # fmt: skip
        except BaseException as error:  # handed to the streaming loop
            updates.put(error)

    worker = threading.Thread(target=work, name="lora-training", daemon=True)
    worker.start()
    losses: list[float] = []
    held: tuple[Point, ...] = ()
    planned = planned_steps(len(session.split.train), settings)
    try:
        while True:
            item = updates.get()
            if isinstance(item, BenchWaitCancelled):  # cancelled while behind another run
                yield CANCELLED_BEFORE_TRAINING, None, "", [], session
                return
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, TrainedAdapter):
                break
            losses.append(item.loss)
            held, planned = item.held_out, item.total_steps
            line = joined(
                " · ",
                sentence(
                    "Epoch {epoch}, step {step} of {total}",
                    epoch=item.epoch, step=item.step, total=item.total_steps,
                ),
                sentence("loss {loss}", loss=f"{item.loss:.3f}"),
                held_out_status(item),
                f"{item.seconds:.0f} s",
                left_piece(item.step, item.total_steps, item.seconds),
            )  # fmt: skip
            status = joined("", line, raised)
            yield status, loss_figure(losses, item.total_steps, held), "", [], session
    finally:
        cancel.set()  # the user pressed Cancel or closed the tab: stop within one step
        worker.join()
    item.base_model = model_name  # the registry's name (a hub id for the default), not a path
    session.adapter = item
    if item.stopped == "cancelled":
        session.loss_after = None
        yield (
            sentence(
                "Cancelled at step {step} of {planned}. The adapter trained so far is kept: "
                "compare it with your own prompts below, or press Fine-tune to train again.",
                step=item.steps,
                planned=planned,
            ),
            loss_figure(losses, planned, item.held_out, item.kept_step),
            "",
            [],
            session,
        )
        return
    session.loss_after = bench.held_out_loss(session.split.held_out, item, settings.max_seq_len)
    yield (
        sentence("Comparing base and fine-tuned answers on 4 held-out prompts (about 20 s)…"),
        loss_figure(losses, item.steps, item.held_out, item.kept_step),
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
    done = (
        sentence(
            "Done. Training {stopped}. Try your own prompts below.",
            stopped=item.stopped,
        )
        if item.stopped.startswith("stopped early")
        else sentence("Done. Try your own prompts below.")
    )
    yield (
        done,
        loss_figure(losses, item.steps, item.held_out, item.kept_step),
        results_markdown(session),
        rows,
        session,
    )


def comparison_rows(bench, session, prompts, settings, expected=None) -> list[list[str]]:
    assert session.adapter is not None
    found = compare(bench, session.adapter, prompts, settings, expected)
    return [[c.prompt, c.base, c.tuned, c.expected] for c in found]


def compare_models(
    registry: Registry, session: TuneSession | None, prompts: str, compare: CompareSettings
) -> list[list[str]]:
    """Base vs fine-tuned replies to the user's prompts, one per line, under ``compare``
    (/compare_models)."""
    session = trained_session(session, "its answers can be compared")
    settings = compare.validated()
    bench = adapter_bench(registry, session)
    with ADAPTERS.using(session.key):  # in use: not evicted meanwhile
        return comparison_rows(bench, session, str(prompts or "").splitlines(), settings)


def show_drift(registry: Registry, session: TuneSession | None) -> tuple[go.Figure, str]:
    """The held-out sentences as the base and the fine-tuned model represent them, on one map
    (/finetune_drift)."""
    session = trained_session(session, "its drift can be shown")
    assert session.adapter is not None
    with ADAPTERS.using(session.key):
        drift = measure_drift(
            adapter_bench(registry, session), session.adapter, session.split.held_out
        )
    return drift_figure(drift), drift_summary(drift)


def export_adapter(registry: Registry, session: TuneSession | None) -> str:
    session = trained_session(session, "its adapter can be downloaded")
    assert session.adapter is not None
    with ADAPTERS.using(session.key):
        return str(zip_adapter(adapter_bench(registry, session), session.adapter))


def export_if_trained(registry: Registry, session: TuneSession | None) -> str | None:
    """The session's adapter as a zip, or None when it holds none (a round trip whose run was
    cancelled before its first step: nothing to export, and no error to show)."""
    if not isinstance(session, TuneSession) or session.adapter is None:
        return None
    return export_adapter(registry, session)


def text_tab_prompt(session: TuneSession | None) -> str:
    """A held-out prompt to try the fine-tuned model on in the Text tab."""
    session = trained_session(session, "you can try it in the Text tab")
    for example in session.split.held_out + session.split.train:
        if example.prompt:
            return example.prompt
    first = session.split.held_out[0] if session.split.held_out else session.split.train[0]
    return " ".join(first.response.split()[:8])  # plain-text data: a start to continue


def cancel_training(control: dict[str, Any] | None) -> Any:
    """Stop this session's training within one step (also called when the session ends, so a
    closed tab stops its run). The run itself then reports where it stopped."""
    cancel = (control or {}).get("cancel")
    if cancel is None or cancel.is_set():
        return sentence("Nothing is training in this session right now.")
    cancel.set()
    return sentence("Cancelling: training stops at the end of this step…")
