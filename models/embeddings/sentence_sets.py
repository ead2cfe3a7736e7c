"""Sentences to embed: the built-in example sets, text typed in the box, and uploaded files.

Everything a user sends arrives here first and leaves as a clean ``SentenceSet``: stripped,
empty lines dropped, duplicates dropped (one point per distinct sentence), over-long lines cut,
at most ``MAX_SENTENCES`` sentences. What was changed is said in ``notes``, and anything we
refuse raises ``InvalidInputError`` with one sentence saying what to do.

Where the sentences come from (a built-in set, the text box or a file, and a CSV's columns) is
a ``SentenceInput``: settings declared once (models/settings.py), read by the Embeddings tab's
widgets, its API and ``SentenceInput.read``.

This module reads and validates text only; it does not embed or project.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.errors import InvalidInputError
from models.sentences import sentence
from models.settings import Settings, setting
from models.upload_text import decode_upload, quoted_names

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "assets" / "embeddings"
MAX_SENTENCES = 10_000
MAX_CHARS = 1_000  # per sentence; MiniLM reads at most 256 tokens (~1,000 characters) anyway
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # 10,000 lines of 500 characters fit comfortably
MIN_SENTENCES = 3  # fewer cannot make a map (and t-SNE/UMAP need a few neighbours)
EXAMPLE_SET, TEXT_BOX, UPLOAD_FILE = "Example set", "Text box", "Upload a file"
SOURCES = (EXAMPLE_SET, TEXT_BOX, UPLOAD_FILE)
TEXT_COLUMN, LABEL_COLUMN = "text", "label"  # a CSV's columns unless the user names others

# name shown in the UI -> (file, one line describing it)
EXAMPLE_SETS: dict[str, tuple[str, str]] = {
    "Five topics": (
        "topics.csv",
        "200 sentences about cooking, sport, space, music and finance (40 each).",
    ),
    "Words in groups": (
        "words.csv",
        "220 single words: countries, capitals, men and women, animals, fruit, colours, "
        "numbers, emotions, vehicles, verbs in the past tense.",
    ),
    "Sentiment": (
        "sentiment.csv",
        "160 review-like sentences: positive, negative and neutral, often on the same subject.",
    ),
}


@dataclass(frozen=True)
class SentenceSet:
    """Distinct sentences, their labels (or None when the source had none), and what we changed."""

    texts: list[str]
    labels: list[str] | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def clean(texts: list[str], labels: list[str] | None = None, source: str = "input") -> SentenceSet:
    """Strip, drop empty and duplicate lines, cut long ones, enforce the cap, explain each step."""
    notes: list[str] = []
    seen: set[str] = set()
    kept_texts: list[str] = []
    kept_labels: list[str] = []
    empty = duplicates = cut = 0
    for index, raw in enumerate(texts):
        text = " ".join(str(raw).split())  # also folds tabs and stray newlines
        if not text:
            empty += 1
            continue
        if len(text) > MAX_CHARS:
            text, cut = text[:MAX_CHARS], cut + 1
        if text in seen:
            duplicates += 1
            continue
        seen.add(text)
        kept_texts.append(text)
        if labels is not None:
            kept_labels.append(" ".join(str(labels[index]).split()) or "(no label)")
    if empty:
        notes.append(f"Skipped {empty} empty line{'s' * (empty != 1)}.")
    if duplicates:
        notes.append(
            f"Dropped {duplicates} duplicate sentence{'s' * (duplicates != 1)} "
            "(each distinct sentence is one point)."
        )
    if cut:
        notes.append(f"Cut {cut} sentence{'s' * (cut != 1)} to {MAX_CHARS:,} characters.")
    if len(kept_texts) > MAX_SENTENCES:
        raise InvalidInputError(
            f"The {source} has {len(kept_texts):,} distinct sentences; the cap is "
            f"{MAX_SENTENCES:,}. Use fewer lines."
        )
    if len(kept_texts) < MIN_SENTENCES:
        raise InvalidInputError(
            f"The {source} has {len(kept_texts)} distinct non-empty sentence"
            f"{'s' * (len(kept_texts) != 1)}; a map needs at least {MIN_SENTENCES}, "
            "one per line."
        )
    return SentenceSet(kept_texts, kept_labels if labels is not None else None, notes)


def from_text(text: str | None) -> SentenceSet:
    """Sentences typed or pasted in the box, one per line."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("The text box is empty: type or paste sentences, one per line.")
    lines = text.splitlines()
    if len(lines) > 4 * MAX_SENTENCES:  # refuse before doing per-line work on a huge paste
        raise InvalidInputError(
            f"The text box has {len(lines):,} lines; the cap is {MAX_SENTENCES:,} sentences."
        )
    return clean(lines, source="text box")


def example_names() -> list[str]:
    return list(EXAMPLE_SETS)


def load_example(name: str | None) -> SentenceSet:
    """One of the built-in labelled sets in assets/embeddings/."""
    if name not in EXAMPLE_SETS:
        raise InvalidInputError(
            f"There is no example set called '{name}'; pick one of: {', '.join(EXAMPLE_SETS)}."
        )
    path = EXAMPLES_DIR / EXAMPLE_SETS[name][0]
    return _parse_csv(path.read_text(encoding="utf-8"), "text", "label", path.name)


def from_upload(
    path: str | Path | None, text_column: str = TEXT_COLUMN, label_column: str = LABEL_COLUMN
) -> SentenceSet:
    """A .csv (a text column, optionally a label column) or .txt (one sentence per line) file."""
    if not path:
        raise InvalidInputError("No file uploaded: choose a .csv or .txt file first.")
    path = Path(path)
    name = path.name
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise InvalidInputError(
            f"'{name}' is {size / 1024 / 1024:.1f} MB; uploads are limited to "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB ({MAX_SENTENCES:,} sentences)."
        )
    text = decode(path.read_bytes(), name)
    if path.suffix.lower() == ".csv":
        return _parse_csv(text, text_column, label_column, name)
    if path.suffix.lower() in (".txt", ".text", ""):
        return clean(text.splitlines(), source=f"file '{name}'")
    raise InvalidInputError(f"'{name}' is not a .csv or .txt file; upload one of those.")


def decode(data: bytes, name: str) -> str:
    """UTF-8 or UTF-16 text (models/upload_text.py); binary files and other encodings refused."""
    return decode_upload(data, name)


def _csv_rows(text: str, most: int) -> tuple[list[str], list[dict[str, Any]]]:
    """A CSV's column names (stripped: Excel pads them) and its first ``most`` rows by name."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() if c else "" for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    return columns, [row for _, row in zip(range(most), reader, strict=False)]


def _parse_csv(text: str, text_column: str, label_column: str, name: str) -> SentenceSet:
    text_column = (text_column or "").strip() or "text"
    label_column = (label_column or "").strip()
    try:
        columns, rows = _csv_rows(text, 4 * MAX_SENTENCES + 1)
    except csv.Error as error:
        raise InvalidInputError(f"'{name}' is not a readable CSV file ({error}).") from None
    if not columns:
        raise InvalidInputError(f"'{name}' is empty: it needs a header row naming its columns.")
    notes: list[str] = []
    if text_column == TEXT_COLUMN and text_column not in columns:  # not named: found
        found_text, found_label = detect_columns(columns, rows)
        if found_text:
            notes.append(sentence("'{name}' has no 'text' column: the sentences are its '{column}' "
                                  "column.", name=name, column=found_text))  # fmt: skip
            text_column = found_text
            if label_column == LABEL_COLUMN and LABEL_COLUMN not in columns and found_label:
                label_column = found_label
                notes.append(sentence("The labels are its '{column}' column.", column=found_label))
    if text_column not in columns:
        found = quoted_names(columns)
        raise InvalidInputError(
            f"'{name}' has no column '{text_column}'. Columns found: {found}. "
            "Type the right name in 'Text column'."
        )
    if len(rows) > 4 * MAX_SENTENCES:
        raise InvalidInputError(f"'{name}' has too many rows; the cap is {MAX_SENTENCES:,}.")
    texts = [row.get(text_column) or "" for row in rows]
    labels = None
    if label_column and label_column in columns:
        labels = [row.get(label_column) or "" for row in rows]
    elif label_column and label_column != "label":  # the user named a column that is not there
        found = quoted_names(columns)
        raise InvalidInputError(
            f"'{name}' has no column '{label_column}'. Columns found: {found}. "
            "Fix 'Label column', or clear it to colour by clusters."
        )
    elif label_column:
        notes.append(f"'{name}' has no 'label' column, so points are coloured by cluster.")
    result = clean(texts, labels, source=f"file '{name}'")
    return SentenceSet(result.texts, result.labels, notes + result.notes)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def detect_columns(columns: list[str], rows: list[dict[str, Any]]) -> tuple[str, str]:
    """(text column, label column) of a CSV whose columns are not named text and label: the
    sentences are the column of longest text (numbers are no sentences), the labels the other
    column with the fewest distinct values, if it repeats values (a label names a group).
    "" where there is none."""
    sample = rows[:500]

    def values(column: str) -> list[str]:
        return [str(row.get(column) or "").strip() for row in sample]

    def wordy(column: str) -> float:
        cells = [cell for cell in values(column) if cell]
        if not cells or all(_is_number(cell) for cell in cells):
            return 0.0
        return sum(len(cell) for cell in cells) / len(cells)

    named = [column for column in columns if column]
    text = max(named, key=wordy, default="")
    if not text or wordy(text) == 0.0:
        return "", ""
    groups = {column: len(set(values(column))) for column in named if column != text}
    repeating = [column for column, n in groups.items() if 1 < n < max(2, len(sample))]
    label = min(repeating, key=lambda column: groups[column], default="")
    return text, label


def upload_columns(path: str | Path | None) -> tuple[list[str], str, str]:
    """An uploaded CSV's columns and the (text, label) columns it would be read with
    (``detect_columns`` when it has no "text" column); ([], "", "") for anything else or a file
    that cannot be read (reading it for the map then says why)."""
    if not path or Path(path).suffix.lower() != ".csv":
        return [], "", ""
    try:
        if Path(path).stat().st_size > MAX_UPLOAD_BYTES:
            return [], "", ""
        columns, rows = _csv_rows(decode(Path(path).read_bytes(), Path(path).name), 500)
    except (InvalidInputError, csv.Error, OSError):
        return [], "", ""
    if TEXT_COLUMN in columns:
        return columns, TEXT_COLUMN, LABEL_COLUMN if LABEL_COLUMN in columns else ""
    text, label = detect_columns(columns, rows)
    return columns, text, label


def _text(value: Any) -> str:
    """API callers can send any JSON value: anything that is not text is treated as missing."""
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class SentenceInput(Settings):
    """Where the sentences of a map (or a classifier) come from: each setting declared once,
    read by the Embeddings tab's widgets, its API and ``read``. The file itself is no setting:
    ``read`` takes it. Build with ``SentenceInput.checked(...)`` from user input."""

    source: str = setting(SOURCES[0], choices=SOURCES, label="Sentences from", noun="source")
    # A name that is no built-in set is refused when it is read, and only then: a map of typed
    # sentences does not care what the set's dropdown says.
    data: str = setting(
        next(iter(EXAMPLE_SETS)), choices=tuple(EXAMPLE_SETS), label="Example set",
        noun="data set", checker=_text,
    )  # fmt: skip
    text: str = setting("", label="Sentences, one per line", checker=_text)
    text_column: str = setting(
        TEXT_COLUMN, label="Text column (CSV)", checker=lambda value: _text(value) or TEXT_COLUMN
    )
    label_column: str = setting(LABEL_COLUMN, label="Label column (CSV, optional)", checker=_text)

    def read(self, file: Any = None) -> SentenceSet:
        """The sentences this input names; ``file`` is an uploaded file's path (or an object
        with a ``name``, as Gradio's file objects), read when the source is a file."""
        source = self.declared()["source"].check(self.source)  # one built in code, too
        if source == EXAMPLE_SET:
            return load_example(self.data)
        if source == TEXT_BOX:
            return from_text(self.text)
        path = file if isinstance(file, str | Path) else getattr(file, "name", None)
        return from_upload(path, self.text_column, self.label_column)
