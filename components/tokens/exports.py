"""The Tokens tab's export: every token of every tokenizer as CSV (one row per token), in a
fresh scratch folder (components/exports.py)."""

from __future__ import annotations

from pathlib import Path

from components.exports import export_dir, write_csv
from models.text.tokenizer_lens import LensResult

HEADER = [
    "tokenizer",
    "position",
    "token_id",
    "stored_as",
    "shown_as",
    "text",
    "partial",
    "special",
]


def tokens_csv(result: LensResult) -> Path:
    rows = [
        [view.label, i, t.token_id, t.raw, t.label, t.text, t.partial, t.special]
        for view in result.views
        for i, t in enumerate(view.tokens)
    ]
    return write_csv(HEADER, rows, export_dir("tokens") / "tokens.csv")
