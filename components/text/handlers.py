"""Handlers of the Text tab: plain functions from widget values to results, testable without a
browser. The tab's layout and event wiring are in components/text/tab.py.

Model math is in models/text/generation.py, models/text/sampler.py, models/text/decode_loop.py and,
for this session's fine-tuned model, models/finetune/tuned_generation.py. Presentation helpers are
in components/text/plots.py.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import gradio as gr

from components.eta import left_piece
from components.text import plots
from components.text.engine import engine_for, generate_on_engine, next_tokens_on_engine
from models.errors import InvalidInputError
from models.finetune.settings import MAX_WALL_SECONDS, TrainedAdapter
from models.finetune.tuned_generation import generate_tuned
from models.registry import Registry
from models.sentences import Sentence, paragraphs, sentence
from models.settings import Settings, setting
from models.text.causal_lm import CausalLM
from models.text.generation import (
    PRESETS,
    SamplingSettings,
    generate,
    next_token_distribution,
    score_tokens,
)
from models.warm_up import TEXT_ENGINE

MAX_SHOWN = 50
# What a sampler preset sets (the rest of the sampling settings are the run's own).
SAMPLER = ("temperature", "top_k", "top_p", "repetition_penalty")
# At most one streamed page update per this many seconds. Each update re-renders the text and
# its status line in the browser; at one update per token (40+ a second) a page on a loaded
# 2-core machine fell so far behind that a click on Stop ran only once the story had ended
# (measured 14-15 s late beside a busy loop). About 12 a second still reads as streaming.
STREAM_EVERY_S = 0.08

Update = tuple[str, str, list[tuple[str, str]] | None, list[dict[str, Any]]]


def throttled(
    updates: Iterable[Update],
    every: float = STREAM_EVERY_S,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Update]:
    """Pass every update on, except a streaming one that comes sooner than ``every`` seconds
    after the last streaming one passed. The updates after streaming (scoring, the final
    text and colours) always pass, so what a run ends on is the same however fast it was."""
    last: float | None = None
    for update in updates:
        if update[1].startswith(plots.STREAMING):
            now = clock()
            if last is not None and now - last < every:
                continue
            last = now
        yield update


def thinned_out(stream: Callable[..., Iterator[Update]]) -> Callable[..., Iterator[Update]]:
    """``stream``'s updates passed through ``throttled``."""

    @functools.wraps(stream)
    def thinned(*args: Any, **kwargs: Any) -> Iterator[Update]:
        yield from throttled(stream(*args, **kwargs))

    return thinned


def model_or_default(registry: Registry, model_name: Any) -> str:
    """The chosen language model's name; the default when none (or not a name) was sent."""
    if not isinstance(model_name, str) or not model_name:
        return registry.default("causal-lm")
    return model_name


def load_lm(registry: Registry, model_name: Any) -> CausalLM:
    return registry.load(model_or_default(registry, model_name), kind="causal-lm")


@thinned_out
def generate_text(
    registry: Registry,
    model: str,
    prompt: str,
    chat: bool,
    fast: bool,
    sampling: SamplingSettings,
    control: dict[str, Any] | None = None,
    adapter: TrainedAdapter | None = None,
) -> Iterator[tuple[str, str, list[tuple[str, str]] | None, list[dict[str, Any]]]]:
    """Stream (text, status, coloured tokens, token records) under ``sampling`` (checked
    settings; its seed None picks a random one). With ``adapter`` (this session's fine-tune) the
    tuned model writes instead of the base. Streamed states come at most every STREAM_EVERY_S
    seconds (``thinned_out``)."""
    stop = run_stop_event(control)  # first: an armed event is this run's, even if it is refused
    model_name = model_or_default(registry, model)
    chat = bool(chat)
    if adapter is not None and adapter.base_model != model_name:
        raise InvalidInputError(
            f"Your fine-tuned model is {adapter.base_model} plus an adapter: pick "
            f"{adapter.base_model} as the model, or untick 'Use my fine-tuned model'."
        )
    fast = bool(fast)
    # Right after launch the warm-up may still be loading what this needs: say so, then wait.
    known = model_name in registry.names()  # (a model on an inference server is not)
    label = registry.status(model_name).label if known else TEXT_ENGINE
    pending = registry.warm_up_pending(label, TEXT_ENGINE)
    if pending:
        yield "", waiting_for(pending), None, []
    if adapter is not None:
        lm = load_lm(registry, model_name)
        yield from generate_tuned_text(lm, adapter, prompt, sampling, chat, stop)
        return
    backend = engine_for(registry, model_name, fast)
    if backend is not None:
        yield from generate_on_engine(registry, backend, model_name, prompt, sampling, chat, stop)
        return
    lm = load_lm(registry, model_name)
    run = None
    for run in generate(lm, prompt, sampling, chat=chat, stop=stop):
        if not run.finished:
            left = left_piece(len(run.tokens), sampling.max_new_tokens, run.seconds)
            yield run.text, plots.status_line(run, left=left, streaming=True), None, []
    assert run is not None
    status = plots.status_line(run)
    if not run.tokens:
        yield run.text, paragraphs(status, plots.ENDED_AT_ONCE), [], []
        return
    yield run.text, paragraphs(status, plots.SCORING), None, []
    records = plots.token_records(score_tokens(lm, run, sampling), lm.tokenizer)
    yield run.text, status, plots.highlighted(records), records


def waiting_for(step: str) -> str:
    return sentence(
        "⏳ Waiting for {step}: the warm-up after launch is still getting it ready. Your text "
        "starts as soon as it is.",
        step=Sentence(step),
    )


TUNED_PATH = "your fine-tuned model: base + LoRA adapter, exact fp32"
PICK_HINT = sentence("Select a token in the coloured text to see its alternatives.")


def generate_tuned_text(
    lm: CausalLM,
    adapter: TrainedAdapter,
    prompt: str,
    settings: SamplingSettings,
    chat: bool,
    stop: threading.Event,
) -> Iterator[tuple[str, str, list[tuple[str, str]] | None, list[dict[str, Any]]]]:
    """The same stream as ``generate_text``, written by this session's fine-tuned model."""
    run = None
    for update in generate_tuned(lm, adapter, prompt, settings, chat=chat, stop=stop):
        if update.waiting:
            yield "", sentence(
                "Waiting: another user is fine-tuning on this server, and fine-tuned models "
                "take turns with training. It ends within {seconds} s.",
                seconds=MAX_WALL_SECONDS,
            ), None, []  # fmt: skip
        elif update.run is not None:
            run = update.run
            status = plots.status_line(run, TUNED_PATH, streaming=not run.finished)
            if not run.finished:
                yield run.text, status, None, []
            elif not run.tokens:
                yield run.text, paragraphs(status, plots.ENDED_AT_ONCE), [], []
            else:
                scoring = sentence("Scoring tokens with the fine-tuned model…")
                yield run.text, paragraphs(status, scoring), None, []
        elif update.scored is not None and run is not None:
            records = plots.token_records(update.scored, lm.tokenizer)
            status = plots.status_line(run, TUNED_PATH)
            yield run.text, status, plots.highlighted(records), records


def session_adapter(use_tuned: Any, finetune_session: Any) -> TrainedAdapter | None:
    """The adapter to generate with: None for the base model; an error when the box is ticked
    but this session has not fine-tuned anything yet."""
    if not use_tuned:
        return None
    adapter = getattr(finetune_session, "adapter", None)
    if adapter is None and getattr(finetune_session, "set_aside", False):
        raise InvalidInputError(
            sentence(
                "Your fine-tuned model was set aside to make room on the server (it was not "
                "used for a while): fine-tune it again in the Fine-tune tab, or untick 'Use my "
                "fine-tuned model'."
            )
        )
    if not isinstance(adapter, TrainedAdapter):
        raise InvalidInputError(
            sentence(
                "You have no fine-tuned model in this session yet: train one in the Fine-tune "
                "tab, or untick 'Use my fine-tuned model'."
            )
        )
    return adapter


def arm_stop(control: dict[str, Any] | None) -> None:
    """At the Generate click (before the run is queued): the stop event the coming run will use.
    A Stop pressed from this moment on ends that run, even one still waiting for its turn or
    loading its model; before, a press that came before the run had started was lost, and the run
    went on to its end (seen on a loaded machine, where the page's click reached the server late).
    """
    if control is not None:
        control["next_stop"] = threading.Event()


def run_stop_event(control: dict[str, Any] | None) -> threading.Event:
    """The stop event of the run starting now: the one its Generate click armed (so a Stop
    already pressed counts), or a fresh one for a call that came without a click (the API)."""
    stop = (control or {}).pop("next_stop", None) or threading.Event()
    if control is not None:
        control["stop"] = stop  # the Stop button of this session sets it
    return stop


def stop_generation(control: dict[str, Any] | None) -> None:
    """Ask this session's generation to stop, the running one or the one just asked for;
    harmless when none runs or when pressed twice."""
    for key in ("stop", "next_stop"):
        event = (control or {}).get(key)
        if event is not None:
            event.set()


def show_alternatives(
    records: list[dict[str, Any]] | None, evt: gr.SelectData
) -> tuple[str, Any, list[list[str]]]:
    index = evt.index if isinstance(evt.index, int) else -1
    if not records or not 0 <= index < len(records):
        return PICK_HINT, None, []
    record = records[index]
    rows = [tuple(row) for row in record["alternatives"]]
    chart = plots.bar_chart(rows, f"Alternatives for token {index + 1}")  # type: ignore[arg-type]
    return (
        plots.alternatives_title(record, index),
        chart,
        plots.alternatives_table(record),
    )


@dataclass(frozen=True)
class ExplorerView(Settings):
    """How much of the next-token distribution the explorer shows."""

    shown: int = setting(15, low=5, high=MAX_SHOWN, step=1, label="Tokens shown",
                         noun="tokens shown")  # fmt: skip


def token_probabilities(
    registry: Registry,
    model: str,
    prompt: str,
    chat: bool,
    sampling: SamplingSettings,
    view: ExplorerView,
) -> tuple[str, Any, list[list[str]]]:
    """(summary, chart, table) of the next-token distribution before and after the sampler
    (its temperature, top-k, top-p and repetition penalty)."""
    count = view.shown
    model_name = model_or_default(registry, model)
    if model_name not in registry.names("causal-lm"):  # a model only the engine serves
        backend = engine_for(registry, model_name, True)
        if backend is None:
            raise InvalidInputError(f"No model named '{model_name}' here: pick one from the list.")
        summary, rows = next_tokens_on_engine(backend, model_name, prompt, sampling, chat, count)
        chart = plots.bar_chart(rows, "Next token: before vs after the sampler")
        return summary, chart, [[t, plots.percent(p), plots.percent(ps)] for t, p, ps in rows]
    lm = load_lm(registry, model_name)
    distribution = next_token_distribution(lm, prompt, sampling, chat=bool(chat))
    rows = plots.distribution_rows(distribution, lm.tokenizer, count)
    chart = plots.bar_chart(rows, "Next token: before vs after the sampler")
    table = [[token, plots.percent(p), plots.percent(ps)] for token, p, ps in rows]
    return plots.distribution_summary(distribution), chart, table


def preset_sampling(name: str | None, sampling: SamplingSettings) -> SamplingSettings | None:
    """``sampling`` with a named preset's temperature, top-k, top-p and repetition penalty
    (its length and seed kept); None for an unknown name."""
    preset = PRESETS.get(name or "")
    if preset is None:
        return None
    return replace(sampling, **{name: getattr(preset, name) for name in SAMPLER})


def matching_preset(sampling: SamplingSettings) -> str | None:
    """The sampler preset these values are (None when they match none: the radio then shows no
    choice, rather than a preset the sliders no longer follow)."""
    for name, preset in PRESETS.items():
        if all(_close(getattr(sampling, key), getattr(preset, key)) for key in SAMPLER):
            return name
    return None


def _close(value: Any, wanted: float) -> bool:
    try:
        return abs(float(value) - wanted) < 1e-6
    except (TypeError, ValueError):
        return False
