"""The Fine-tune tab's data: the built-in sets and uploads, read, checked and split into train and
held-out examples, with the summary and preview the tab shows (/inspect_data). Parsing itself is
in models/finetune/data.py."""

from __future__ import annotations

import functools
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from components.finetune.session import TuneSession
from components.safe_text import escape_markdown, inline_code
from models.errors import InvalidInputError
from models.finetune.data import (
    MAX_EXAMPLES,
    MAX_FILE_BYTES,
    ParsedData,
    Split,
    load_builtin,
    parse_file,
    split_examples,
)
from models.finetune.settings import TrainSettings
from models.finetune.training import (
    token_length_summary,
)
from models.registry import Registry
from models.sentences import joined, paragraphs, sentence

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "finetune"
BUILTIN_SETS = {  # label -> file; the label is what the radio shows
    "Pirate speak": "pirate.jsonl",
    "Haiku": "haiku.jsonl",
    "Playground concepts": "concepts.jsonl",
}
UPLOAD = "Upload a file"


MIN_USEFUL_STEPS = 24


def enough_epochs(train_examples: int, settings: TrainSettings) -> TrainSettings:
    """``settings`` with the epochs raised (within their limit) so that a small data set still
    gets about MIN_USEFUL_STEPS steps; unchanged when max_steps asks for fewer on purpose."""
    per_epoch = math.ceil(train_examples / settings.batch_size)
    wanted = min(MIN_USEFUL_STEPS, settings.max_steps)
    if per_epoch == 0 or per_epoch * settings.epochs >= wanted:
        return settings
    most = int(TrainSettings.declared()["epochs"].high)  # the declared limit
    epochs = min(most, math.ceil(wanted / per_epoch))
    return replace(settings, epochs=max(epochs, settings.epochs))


def planned_steps(train_examples: int, settings: TrainSettings) -> int:
    """Training steps a run will take (one batch a step), before any early stop."""
    per_epoch = math.ceil(train_examples / settings.batch_size)
    return min(settings.max_steps, per_epoch * settings.epochs)


def load_data(data: str, file: str | None) -> tuple[ParsedData, str]:
    """The examples of data set ``data`` (a built-in set's name, or UPLOAD for ``file``)."""
    if data in BUILTIN_SETS:
        return load_builtin(ASSETS / BUILTIN_SETS[data]), data
    if data != UPLOAD:
        raise InvalidInputError(f"Pick one of: {', '.join([*BUILTIN_SETS, UPLOAD])}.")
    if not file:
        raise InvalidInputError("Upload a .csv, .jsonl or .txt file first.")
    path = Path(file)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InvalidInputError(
            f"The file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB. "
            f"Upload at most {MAX_EXAMPLES} examples."
        )
    return parse_file(path.name, path.read_bytes()), path.name


def data_set_name(source: str) -> str:
    """A data set's name as code: a built-in set's name said in the page's language, a file's
    name as it is (escaped)."""
    if source in BUILTIN_SETS:
        return joined("", "`", sentence(source), "`")
    return inline_code(source, 120)


def describe(tokenizer: Any, data: ParsedData, source: str) -> tuple[str, list[list[str]], Split]:
    """Summary text, preview rows and the train/held-out split of a parsed data set."""
    split = split_examples(data.examples)
    defaults = TrainSettings()
    lengths = token_length_summary(tokenizer, data.examples, defaults.max_seq_len)
    lines = [
        sentence(
            "**{source}**: {format}, {n} examples → {train} to train on, {held} held out for "
            "the comparison.",
            source=data_set_name(source), format=sentence(data.format), n=len(data.examples),
            train=len(split.train), held=len(split.held_out),
        ),
        sentence(
            "Tokens per example: min {min}, median {median}, max {max} ({cut} longer than "
            "{limit} will be cut).",
            min=lengths["min"], median=lengths["median"], max=lengths["max"],
            cut=lengths["truncated"], limit=defaults.max_seq_len,
        ),
    ]  # fmt: skip
    raised = enough_epochs(len(split.train), defaults)
    if raised.epochs != defaults.epochs:
        counts = {"train": len(split.train), "epochs": defaults.epochs, "raised": raised.epochs,
                  "steps": planned_steps(len(split.train), defaults),
                  "planned": planned_steps(len(split.train), raised)}  # fmt: skip
        if counts["planned"] < MIN_USEFUL_STEPS:
            lines.append(sentence(
                "⚠️ {train} training examples make only {steps} training steps at {epochs} "
                "epochs: too few to pick up a style. Training runs {raised} epochs instead "
                "({planned} steps); that is still few: add examples (60 or more work well).",
                **counts,
            ))  # fmt: skip
        else:
            lines.append(sentence(
                "⚠️ {train} training examples make only {steps} training steps at {epochs} "
                "epochs: too few to pick up a style. Training runs {raised} epochs instead "
                "({planned} steps); more examples (60 or more) teach it better still.",
                **counts,
            ))  # fmt: skip
    # Notices and problems quote the user's file (names, rows): shown as text, never as markup.
    lines += [f"Note: {escape_markdown(notice)}" for notice in data.notices]
    if data.problems:
        shown = data.problems[:8]
        more = f" (and {len(data.problems) - 8} more)" if len(data.problems) > 8 else ""
        lines.append(f"Skipped {len(data.problems)} rows{more}:")
        lines += [f"- {escape_markdown(problem)}" for problem in shown]
    preview = [[e.prompt or "(text only)", e.response] for e in data.examples[:8]]
    return paragraphs(*lines), preview, split


@functools.lru_cache(maxsize=16)
def describe_builtin(
    registry: Registry, model_name: str, data: str
) -> tuple[ParsedData, str, list[list[str]], Split]:
    """A built-in set's description, computed once per process: it runs on every page load
    (the default choice), so a lecture hall opening the app must not tokenize it 200 times.
    The cached objects are only read, never changed, by the sessions that share them."""
    parsed = load_builtin(ASSETS / BUILTIN_SETS[data])
    tokenizer = registry.load(model_name, kind="causal-lm").tokenizer
    return (parsed, *describe(tokenizer, parsed, data))


def inspect_data(
    registry: Registry, data: str, file: str | None, slot_key: str = "", address: str = ""
) -> tuple[str, list[list[str]], TuneSession]:
    """Summary, preview rows and a fresh session for data set ``data`` (a built-in set's name,
    or UPLOAD for ``file``) (handler for /inspect_data).

    ``slot_key`` names the server's adapter slot this session's training will hold: the tab
    passes the browser (or API client) session, so picking data again and again (the radio
    re-runs this on every change) reuses one slot instead of claiming one per pick until each
    lapsed hours later. Without it, every training session gets a slot of its own. ``address``
    is the client's, which bounds the slots one address holds."""
    model_name = registry.default("causal-lm")
    if data in BUILTIN_SETS:
        parsed, summary, preview, split = describe_builtin(registry, model_name, data)
        return summary, preview, TuneSession(parsed, split, data, key=slot_key, address=address)
    parsed, source = load_data(data, file)
    tokenizer = registry.load(model_name, kind="causal-lm").tokenizer
    summary, preview, split = describe(tokenizer, parsed, source)
    return summary, preview, TuneSession(parsed, split, source, key=slot_key, address=address)


# Fewer steps than this rarely teach the model a style (the built-in sets train for 24-39): a
# small data set gets more epochs, up to the epochs limit, and the summary says so beforehand.
