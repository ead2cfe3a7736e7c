"""Uploads in the encodings people's tools save (UTF-16 from Excel's "Unicode text") and headers
too wide to list (issue 16 items 7 and 10), for both tabs that take files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from components.errors import to_gradio_error
from models.embeddings.sentence_sets import from_upload
from models.errors import InvalidInputError
from models.finetune.data import parse_file
from models.upload_text import decode_upload, quoted_names

CSV = "prompt,response,text,label\nq1,a1,the cat sat,animals\nq2,a2,a red car,cars\n"
CSV += "q3,a3,a big dog,animals\nq4,a4,fast trucks,cars\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-8"])
def test_utf16_and_utf8_files_read_the_same(encoding: str) -> None:
    data = CSV.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # as Excel writes them: with the byte-order mark
        bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
        data = bom + data
    assert decode_upload(data, "x.csv") == CSV
    assert [e.response for e in parse_file("x.csv", data).examples] == ["a1", "a2", "a3", "a4"]


def test_utf16_csv_is_read_by_the_embeddings_tab(tmp_path: Path) -> None:
    path = tmp_path / "unicode.csv"
    path.write_bytes(CSV.encode("utf-16"))
    sentences = from_upload(str(path), "text", "label")
    assert sentences.texts == ["the cat sat", "a red car", "a big dog", "fast trucks"]
    assert sentences.labels == ["animals", "cars", "animals", "cars"]


def test_binary_is_still_refused() -> None:
    with pytest.raises(InvalidInputError, match="looks like a binary file"):
        decode_upload(b"PK\x03\x04\x00\x00binary", "book.xlsx")


def test_a_200000_column_header_gives_a_one_line_error(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(200_000))  # 1.3 MB: under both size limits
    data = (header + "\n1,2,3\n").encode()
    with pytest.raises(InvalidInputError) as finetune_error:
        parse_file("wide.csv", data)
    path = tmp_path / "wide.csv"
    path.write_bytes(data)
    with pytest.raises(InvalidInputError) as embeddings_error:
        from_upload(str(path), "text", "label")
    for error in (finetune_error, embeddings_error):
        message = str(error.value)
        assert len(message) < 600 and "and 199,988 more" in message, message[:300]


def test_long_names_are_cut_and_none_is_said() -> None:
    assert quoted_names([]) == "none"
    shown = quoted_names(["x" * 500])
    assert len(shown) < 50 and shown.endswith("…'")


def test_error_sentences_show_markup_as_text() -> None:
    """The browser's toast renders HTML: a quoted column name must arrive as text."""
    error = InvalidInputError(
        "'f.csv' has no column 'text'. Columns found: '<img src=x onerror=1>'."
    )
    message = to_gradio_error(error).message
    assert "<img" not in message and "&lt;img src=x onerror=1&gt;" in message
