"""Fine-tuning data: parse an uploaded file into prompt/response examples, with every problem named.

Formats:
- CSV with ``prompt`` and ``response`` columns, or a single ``text`` column;
- JSONL with one object per line: ``{"prompt", "response"}``, chat ``{"messages": [...]}`` or
  ``{"text"}``;
- TXT: one example per block, blocks separated by a blank line.

The limits below are hard: uploads come from anyone on a shared server. This module knows nothing
about tokenizers or training (see models/finetune/training.py).
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from models.errors import InvalidInputError
from models.upload_text import decode_upload, quoted_names, without_lone_surrogates
from models.validation import json_deeper_than

MAX_FILE_BYTES = 2_000_000
MAX_ROWS = 2_000  # rows read from a file
MAX_EXAMPLES = 300  # examples kept for training; more are dropped with a notice
MAX_FIELD_CHARS = 2_000
MAX_JSON_DEPTH = 6
MIN_EXAMPLES = 4  # fewer cannot give both a training set and a held-out set

Format = Literal[
    "csv prompt/response",
    "csv text",
    "jsonl prompt/response",
    "jsonl messages",
    "jsonl text",
    "txt blocks",
]


@dataclass(frozen=True)
class Example:
    """One training example. Plain-text examples have an empty prompt."""

    prompt: str
    response: str


@dataclass
class ParsedData:
    format: Format
    examples: list[Example]
    problems: list[str] = field(default_factory=list)  # rows skipped, each with the reason
    notices: list[str] = field(default_factory=list)  # caps applied


@dataclass(frozen=True)
class Split:
    train: list[Example]
    held_out: list[Example]


def decode_text(data: bytes, name: str = "The file") -> str:
    """UTF-8 or UTF-16 text, or a sentence saying the file is not text."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInputError(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB. "
            f"Upload at most {MAX_EXAMPLES} examples."
        )
    return decode_upload(data, name)


def parse_file(filename: str, data: bytes) -> ParsedData:
    """Examples from an uploaded file's name and bytes; raises InvalidInputError when unusable."""
    text = decode_text(data, Path(filename).name)
    if not text.strip():
        raise InvalidInputError("The file is empty: add at least a few examples.")
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        parsed = parse_csv(text)
    elif suffix in {".jsonl", ".json"}:
        parsed = parse_jsonl(text)
    elif suffix in {".txt", ".md", ""}:
        parsed = parse_txt(text)
    else:
        raise InvalidInputError(
            f"Files ending in '{suffix}' are not supported: upload a .csv, .jsonl or .txt file."
        )
    return finish(parsed)


def finish(parsed: ParsedData) -> ParsedData:
    if len(parsed.examples) > MAX_EXAMPLES:
        parsed.notices.append(
            f"Kept the first {MAX_EXAMPLES} of {len(parsed.examples)} examples (the limit)."
        )
        parsed.examples = parsed.examples[:MAX_EXAMPLES]
    if len(parsed.examples) < MIN_EXAMPLES:
        found = len(parsed.examples)
        details = f" Problems: {'; '.join(parsed.problems[:5])}." if parsed.problems else ""
        raise InvalidInputError(
            f"Found {found} usable example{'s' * (found != 1)}; fine-tuning needs at least "
            f"{MIN_EXAMPLES} (some to train on, some held out to compare).{details}"
        )
    return parsed


def check_field(value: object, where: str, problems: list[str]) -> str | None:
    """A cleaned field, or None with the problem recorded."""
    if value is None or (isinstance(value, float) and value != value):
        problems.append(f"{where} is missing")
        return None
    if not isinstance(value, str):
        problems.append(f"{where} is a {type(value).__name__}, not text")
        return None
    value = without_lone_surrogates(value.strip())  # a JSONL line may carry "\\ud800"
    if not value:
        problems.append(f"{where} is empty")
        return None
    if len(value) > MAX_FIELD_CHARS:
        problems.append(f"{where} has {len(value):,} characters (limit {MAX_FIELD_CHARS:,})")
        return None
    return value


def parse_csv(text: str) -> ParsedData:
    csv.field_size_limit(MAX_FIELD_CHARS * 4)  # larger fields are named, not silently cut
    try:
        reader = csv.DictReader(io.StringIO(text))
        columns = [c.strip().lower() for c in reader.fieldnames or []]
    except csv.Error as error:
        raise InvalidInputError(f"The CSV could not be read ({error}).") from error
    reader.fieldnames = columns
    if {"prompt", "response"} <= set(columns):
        kind: Format = "csv prompt/response"
    elif "text" in columns:
        kind = "csv text"
    else:
        found = quoted_names(columns)
        raise InvalidInputError(
            f"The CSV needs 'prompt' and 'response' columns, or one 'text' column; found {found}."
        )
    parsed = ParsedData(kind, [])
    try:
        for number, row in enumerate(reader, start=2):  # line 1 is the header
            if number - 1 > MAX_ROWS:
                parsed.notices.append(f"Read only the first {MAX_ROWS} rows.")
                break
            if kind == "csv text":
                value = check_field(
                    row.get("text"), f"row {number}, column 'text'", parsed.problems
                )
                if value is not None:
                    parsed.examples.append(Example("", value))
                continue
            prompt = check_field(
                row.get("prompt"), f"row {number}, column 'prompt'", parsed.problems
            )
            response = check_field(
                row.get("response"), f"row {number}, column 'response'", parsed.problems
            )
            if prompt is not None and response is not None:
                parsed.examples.append(Example(prompt, response))
    except csv.Error as error:
        raise InvalidInputError(f"The CSV is malformed near row {number} ({error}).") from error
    return parsed


def parse_jsonl(text: str) -> ParsedData:
    parsed = ParsedData("jsonl prompt/response", [])
    kinds: set[Format] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if number > MAX_ROWS:
            parsed.notices.append(f"Read only the first {MAX_ROWS} lines.")
            break
        if not line.strip():
            continue
        if len(line) > MAX_FIELD_CHARS * 4:
            parsed.problems.append(f"line {number} has {len(line):,} characters (too long)")
            continue
        if json_deeper_than(line, MAX_JSON_DEPTH):  # measured before json.loads recurses
            parsed.problems.append(f"line {number} is nested more than {MAX_JSON_DEPTH} levels")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            parsed.problems.append(f"line {number} is not valid JSON ({error.msg})")
            continue
        if not isinstance(record, dict):
            parsed.problems.append(
                f"line {number} is a JSON {type(record).__name__}, not an object"
            )
            continue
        example, kind = example_from_record(record, f"line {number}", parsed.problems)
        if example is not None and kind is not None:
            parsed.examples.append(example)
            kinds.add(kind)
    if len(kinds) == 1:
        parsed.format = kinds.pop()
    elif len(kinds) > 1:
        parsed.notices.append(f"Lines mix formats ({', '.join(sorted(kinds))}); all were used.")
    return parsed


def example_from_record(
    record: dict, where: str, problems: list[str]
) -> tuple[Example | None, Format | None]:
    if "messages" in record:
        messages = record["messages"]
        if not isinstance(messages, list):
            problems.append(f"{where}: 'messages' is not a list")
            return None, None
        user = next((m for m in messages if isinstance(m, dict) and m.get("role") == "user"), None)
        reply = next(
            (m for m in messages if isinstance(m, dict) and m.get("role") == "assistant"), None
        )
        if user is None or reply is None:
            problems.append(f"{where}: 'messages' needs a user and an assistant message")
            return None, None
        prompt = check_field(user.get("content"), f"{where}, user message", problems)
        response = check_field(reply.get("content"), f"{where}, assistant message", problems)
        ok = prompt is not None and response is not None
        return (Example(prompt, response) if ok else None), "jsonl messages"  # type: ignore[arg-type]
    if "prompt" in record or "response" in record:
        prompt = check_field(record.get("prompt"), f"{where}, 'prompt'", problems)
        response = check_field(record.get("response"), f"{where}, 'response'", problems)
        ok = prompt is not None and response is not None
        return (Example(prompt, response) if ok else None), "jsonl prompt/response"  # type: ignore[arg-type]
    if "text" in record:
        value = check_field(record.get("text"), f"{where}, 'text'", problems)
        return (Example("", value) if value is not None else None), "jsonl text"
    keys = ", ".join(f"'{k}'" for k in list(record)[:8]) or "none"
    problems.append(
        f"{where} has keys {keys}; expected 'prompt' and 'response', 'messages', or 'text'"
    )
    return None, None


def parse_txt(text: str) -> ParsedData:
    parsed = ParsedData("txt blocks", [])
    blocks = text.replace("\r\n", "\n").split("\n\n")
    for number, block in enumerate(blocks, start=1):
        if number > MAX_ROWS:
            parsed.notices.append(f"Read only the first {MAX_ROWS} blocks.")
            break
        if not block.strip():
            continue
        value = check_field(block, f"block {number}", parsed.problems)
        if value is not None:
            parsed.examples.append(Example("", value))
    return parsed


def split_examples(examples: list[Example], held_out_share: float = 0.2, seed: int = 0) -> Split:
    """A deterministic shuffle, then at least one and at most 20 held-out examples."""
    order = list(examples)
    random.Random(seed).shuffle(order)
    held = min(20, max(1, round(len(order) * held_out_share)))
    return Split(train=order[held:], held_out=order[:held])


def load_builtin(path: Path) -> ParsedData:
    """A data set shipped in assets/finetune/ (JSONL prompt/response)."""
    return finish(parse_jsonl(path.read_text(encoding="utf-8")))
