"""Uploaded files as text, and names from them quoted in a sentence: shared by every tab that
takes an upload (Embeddings' sentences, Fine-tune's examples).

- ``decode_upload``: UTF-8 (with or without a byte-order mark) and UTF-16 with its byte-order mark,
  which is what Excel's "Unicode text" and Windows' Notepad save; anything with NUL bytes left is
  binary and refused with a sentence.
- ``without_lone_surrogates``: a lone UTF-16 surrogate (JSON can carry "\\ud800", as JavaScript's
  JSON.stringify writes it; no real text does) becomes U+FFFD, so no tokenizer or file write
  fails on it (components/errors.py cleans every handler's text arguments with it).
- ``quoted_names``: at most a few names (column headers), each cut short, so a file with 200,000
  columns gives a one-line error, not a 2 MB one.

Not here: parsing CSV/JSONL (models/embeddings/sentence_sets.py, models/finetune/data.py).
"""

from __future__ import annotations

import codecs

from models.errors import InvalidInputError

SHOWN_NAMES = 12  # names listed in an error before "and N more"
NAME_WIDTH = 40  # characters of one name before it is cut


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, the replacement character."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def decode_upload(data: bytes, name: str) -> str:
    """The file's text; InvalidInputError (naming the file) when it is binary or not UTF-8/16."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")  # the BOM says which byte order
        except UnicodeDecodeError as error:
            raise InvalidInputError(
                f"'{name}' starts like UTF-16 text but byte {error.start:,} is invalid; save it "
                "as UTF-8 (or 'Unicode text' again) and upload it again."
            ) from None
    if b"\x00" in data[:8192]:
        raise InvalidInputError(
            f"'{name}' looks like a binary file, not text; upload a UTF-8 or UTF-16 "
            ".csv, .jsonl or .txt file."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInputError(
            f"'{name}' is not UTF-8 text (byte {error.start:,} is invalid); save it as UTF-8 "
            "and upload it again."
        ) from None


def quoted_names(names: list[str]) -> str:
    """ "'a', 'b', … and 199,990 more": a readable list of at most SHOWN_NAMES names."""
    if not names:
        return "none"
    cut = [n if len(n) <= NAME_WIDTH else n[: NAME_WIDTH - 1] + "…" for n in names[:SHOWN_NAMES]]
    shown = ", ".join(f"'{n}'" for n in cut)
    rest = len(names) - len(cut)
    return shown + (f" and {rest:,} more" if rest else "")
