"""Embeddings tab, input side: example sets, text box and uploads, and every way they can be bad."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from models.embeddings import sentence_sets
from models.embeddings.sentence_sets import (
    MAX_SENTENCES,
    from_text,
    from_upload,
    load_example,
    upload_columns,
)
from models.errors import InvalidInputError


@pytest.mark.parametrize(
    ("name", "count", "labels"),
    [
        ("Five topics", 200, {"cooking", "sport", "space", "music", "finance"}),
        ("Words in groups", 220, None),
        ("Sentiment", 160, {"positive", "negative", "neutral"}),
    ],
)
def test_example_sets_are_labelled_and_distinct(name: str, count: int, labels) -> None:
    example = load_example(name)
    assert len(example) == count
    assert example.labels is not None and len(example.labels) == count
    assert len(set(example.texts)) == count and example.notes == []
    if labels is not None:
        assert set(example.labels) == labels
    assert len(set(example.labels)) >= 3


def test_every_example_file_is_listed() -> None:
    files = {path.name for path in sentence_sets.EXAMPLES_DIR.glob("*.csv")}
    assert files == {file for file, _ in sentence_sets.EXAMPLE_SETS.values()}


def test_unknown_example_names_the_choices() -> None:
    with pytest.raises(InvalidInputError, match="Five topics"):
        load_example("../../etc/passwd")


def test_text_box_drops_empty_and_duplicate_lines_and_says_so() -> None:
    result = from_text("  A cat.\n\nA dog.\nA cat.\n\t\nA   bird .\n")
    assert result.texts == ["A cat.", "A dog.", "A bird ."]
    assert result.labels is None
    assert result.notes == [
        "Skipped 2 empty lines.",
        "Dropped 1 duplicate sentence (each distinct sentence is one point).",
    ]


def test_text_box_keeps_emoji_and_mixed_scripts() -> None:
    result = from_text("I love pizza 🍕\nМне нравится пицца\n我喜欢披萨\nمن البيتزا أحب")
    assert len(result) == 4 and result.texts[0].endswith("🍕")


@pytest.mark.parametrize("bad", ["", "   \n\n", None, 42])
def test_empty_text_box_is_refused(bad) -> None:
    with pytest.raises(InvalidInputError, match="text box is empty"):
        from_text(bad)


def test_too_few_sentences_says_how_many_are_needed() -> None:
    with pytest.raises(
        InvalidInputError, match=r"has 2 distinct non-empty sentences; .* at least 3"
    ):
        from_text("same\nsame\nother")


def test_more_than_the_cap_names_the_cap() -> None:
    lines = "\n".join(f"sentence number {i}" for i in range(MAX_SENTENCES + 1))
    with pytest.raises(InvalidInputError, match="10,001 distinct sentences; the cap is 10,000"):
        from_text(lines)
    assert len(from_text("\n".join(lines.splitlines()[:MAX_SENTENCES]))) == MAX_SENTENCES


def test_long_lines_are_cut_and_reported() -> None:
    result = from_text("x" * 5000 + "\nshort one\nshort two")
    assert len(result.texts[0]) == sentence_sets.MAX_CHARS
    assert "Cut 1 sentence to 1,000 characters." in result.notes


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding="utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_csv_upload_with_text_and_label_columns(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "data.csv",
        ["id", "sentence", "topic"],
        [["1", "Hello, world", "greeting"], ["2", "Goodbye", "farewell"], ["3", "Hi", "greeting"]],
        encoding="utf-8-sig",  # Excel's BOM must not end up in the first column's name
    )
    result = from_upload(path, "sentence", "topic")
    assert result.texts == ["Hello, world", "Goodbye", "Hi"]
    assert result.labels == ["greeting", "farewell", "greeting"]


def test_csv_without_the_named_column_lists_the_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "data.csv", ["sentence", "topic"], [["a", "b"]] * 3)
    with pytest.raises(
        InvalidInputError, match=r"no column 'body'. Columns found: 'sentence', 'topic'"
    ):
        from_upload(path, "body", "")
    with pytest.raises(InvalidInputError, match=r"no column 'category'. Columns found"):
        from_upload(path, "sentence", "category")


def test_a_csv_without_text_and_label_columns_gets_them_found(tmp_path: Path) -> None:
    """Issue 28 item 10: a `sentence,topic` CSV gave a message and four red badges until both
    names were typed. The sentences are the wordiest column, the labels the repeating one."""
    rows = [[str(n), f"sentence number {n} about {t}", t] for n, t in enumerate("abcabcabca")]
    path = write_csv(tmp_path / "data.csv", ["id", "sentence", "topic"], rows)
    assert upload_columns(path) == (["id", "sentence", "topic"], "sentence", "topic")
    result = from_upload(path)  # the defaults: text, label (neither is in the file)
    assert result.texts[0] == "sentence number 0 about a" and result.labels[:3] == ["a", "b", "c"]
    assert "its 'sentence' column" in " ".join(result.notes)
    named = write_csv(tmp_path / "named.csv", ["label", "text"], [["x", "one"], ["y", "two"]])
    assert upload_columns(named) == (["label", "text"], "text", "label")
    numbers = write_csv(tmp_path / "numbers.csv", ["a", "b"], [["1", "2"], ["3", "4"]])
    assert upload_columns(numbers) == (["a", "b"], "", "")  # no column holds sentences
    assert upload_columns(tmp_path / "lines.txt") == ([], "", "")


def test_csv_without_default_label_column_is_coloured_by_clusters(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "data.csv", ["text"], [["one"], ["two"], ["three"]])
    result = from_upload(path)
    assert result.labels is None
    assert "coloured by cluster" in result.notes[0]


def test_txt_upload_is_one_sentence_per_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("first\r\nsecond\r\n\r\nthird\n", encoding="utf-8")
    assert from_upload(path).texts == ["first", "second", "third"]


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InvalidInputError, match="looks like a binary file"):
        from_upload(path)


def test_non_utf8_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("café\ncrème brûlée\nthird line\n".encode("latin-1"))
    with pytest.raises(InvalidInputError, match=r"not UTF-8 text .* save it as UTF-8"):
        from_upload(path)


def test_fifty_megabyte_upload_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(InvalidInputError, match=r"is 50.0 MB; uploads are limited to 5 MB"):
        from_upload(path)


def test_other_file_types_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "slides.pptx"
    path.write_text("text")
    with pytest.raises(InvalidInputError, match=r"not a .csv or .txt file"):
        from_upload(path)
    with pytest.raises(InvalidInputError, match="No file uploaded"):
        from_upload(None)


def test_header_only_and_empty_csv(tmp_path: Path) -> None:
    header_only = tmp_path / "header.csv"
    header_only.write_text("text,label\n")
    with pytest.raises(InvalidInputError, match="has 0 distinct non-empty sentences"):
        from_upload(header_only)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InvalidInputError, match="is empty: it needs a header row"):
        from_upload(empty)
