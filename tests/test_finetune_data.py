"""Parsing fine-tuning uploads: every format, and every problem named precisely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.errors import InvalidInputError
from models.finetune.data import (
    MAX_EXAMPLES,
    MAX_FIELD_CHARS,
    MAX_JSON_DEPTH,
    Example,
    load_builtin,
    parse_file,
    split_examples,
)

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "finetune"


def rows(n: int) -> list[tuple[str, str]]:
    return [(f"Question {i}?", f"Answer {i}.") for i in range(n)]


def test_csv_prompt_response() -> None:
    text = "prompt,response\n" + "".join(f'"{p}","{r}"\n' for p, r in rows(5))
    parsed = parse_file("data.csv", text.encode())
    assert parsed.format == "csv prompt/response"
    assert parsed.examples[0] == Example("Question 0?", "Answer 0.")
    assert len(parsed.examples) == 5 and not parsed.problems


def test_csv_text_column_with_problems_named() -> None:
    text = "Text,other\nfirst,x\n,y\nsecond,z\nthird,z\nfourth,z\n"
    parsed = parse_file("data.csv", text.encode())
    assert parsed.format == "csv text"
    assert [e.response for e in parsed.examples] == ["first", "second", "third", "fourth"]
    assert parsed.problems == ["row 3, column 'text' is empty"]


def test_csv_without_known_columns_lists_columns_found() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_file("data.csv", b"question,answer\na,b\n")
    assert "found 'question', 'answer'" in str(caught.value)


def test_jsonl_three_shapes() -> None:
    lines = [json.dumps({"prompt": p, "response": r}) for p, r in rows(4)]
    assert parse_file("d.jsonl", "\n".join(lines).encode()).format == "jsonl prompt/response"
    chats = [
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": p},
                    {"role": "assistant", "content": r},
                ]
            }
        )
        for p, r in rows(4)
    ]
    parsed = parse_file("d.jsonl", "\n".join(chats).encode())
    assert parsed.format == "jsonl messages"
    assert parsed.examples[1] == Example("Question 1?", "Answer 1.")
    texts = [json.dumps({"text": f"Sentence {i}."}) for i in range(4)]
    assert parse_file("d.jsonl", "\n".join(texts).encode()).examples[3] == Example(
        "", "Sentence 3."
    )


def test_jsonl_bad_lines_are_named() -> None:
    lines = [json.dumps({"prompt": p, "response": r}) for p, r in rows(4)]
    lines += [
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"question": "x"}),
        json.dumps({"prompt": "x", "response": 3}),
    ]
    parsed = parse_file("d.jsonl", "\n".join(lines).encode())
    assert len(parsed.examples) == 4
    assert parsed.problems[0].startswith("line 5 is not valid JSON")
    assert parsed.problems[1] == "line 6 is a JSON list, not an object"
    assert "line 7 has keys 'question'" in parsed.problems[2]
    assert parsed.problems[3] == "line 8, 'response' is a int, not text"


def test_deeply_nested_json_is_refused_per_line() -> None:
    deep = '{"text": ' + "[" * 5000 + "]" * 5000 + "}"
    lines = [json.dumps({"text": f"ok {i}"}) for i in range(4)] + [deep]
    parsed = parse_file("d.jsonl", "\n".join(lines).encode())
    assert len(parsed.examples) == 4
    assert "line 5" in parsed.problems[0]


def test_nesting_is_measured_before_a_line_is_parsed() -> None:
    deep = '{"text": ' + "[" * 3000 + "]" * 3000 + "}"  # under the line cap, past json's recursion
    lines = [json.dumps({"text": f"ok {i}"}) for i in range(4)] + [deep, '{"text": [[[[[[]]]]]]}']
    parsed = parse_file("d.jsonl", "\n".join(lines).encode())
    assert len(parsed.examples) == 4
    assert parsed.problems == [
        f"line 5 is nested more than {MAX_JSON_DEPTH} levels",
        f"line 6 is nested more than {MAX_JSON_DEPTH} levels",
    ]


def test_txt_blocks() -> None:
    parsed = parse_file("notes.txt", b"one\nline two\n\nsecond block\n\n\nthird\n\nfourth\n")
    assert parsed.format == "txt blocks"
    assert [e.response for e in parsed.examples] == [
        "one\nline two",
        "second block",
        "third",
        "fourth",
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "The file is empty"),
        ("blank.txt", b"  \n\n ", "The file is empty"),
        (
            "one.csv",
            b"prompt,response\nq,a\n",
            "Found 1 usable example; fine-tuning needs at least",
        ),
        ("bin.csv", b"\x00\x01\x02binary", "looks like a binary file"),
        ("latin1.txt", "caf\xe9 au lait\n\nb\n\nc\n\nd".encode("latin-1"), "not UTF-8"),
        ("huge.txt", b"a" * 2_000_001, "the limit is 2 MB"),
        ("data.xlsx", b"PK stuff", "Files ending in '.xlsx' are not supported"),
    ],
)
def test_unusable_files_say_why(name: str, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_file(name, data)


def test_huge_single_field_is_named() -> None:
    big = "x" * (MAX_FIELD_CHARS + 1)
    text = "text\n" + "\n".join(["a", "b", "c", "d", big]) + "\n"
    parsed = parse_file("d.csv", text.encode())
    assert len(parsed.examples) == 4
    assert parsed.problems == [
        f"row 6, column 'text' has {MAX_FIELD_CHARS + 1:,} characters (limit {MAX_FIELD_CHARS:,})"
    ]


def test_many_rows_are_capped_with_a_notice() -> None:
    text = "text\n" + "\n".join(f"line {i}" for i in range(1500)) + "\n"
    parsed = parse_file("d.csv", text.encode())
    assert len(parsed.examples) == MAX_EXAMPLES
    assert parsed.notices == [f"Kept the first {MAX_EXAMPLES} of 1500 examples (the limit)."]


def test_100k_rows_stay_bounded() -> None:
    text = "text\n" + "\n".join(f"r{i}" for i in range(100_000))
    parsed = parse_file("d.csv", text.encode())
    assert len(parsed.examples) == MAX_EXAMPLES
    assert any("first 2000 rows" in n for n in parsed.notices)


def test_split_is_deterministic_and_disjoint() -> None:
    examples = [Example(p, r) for p, r in rows(50)]
    first, again = split_examples(examples), split_examples(examples)
    assert first == again
    assert len(first.held_out) == 10 and len(first.train) == 40
    assert not set(first.held_out) & set(first.train)
    assert len(split_examples(examples[:4]).held_out) == 1


@pytest.mark.parametrize("name", ["pirate.jsonl", "haiku.jsonl", "concepts.jsonl"])
def test_builtin_sets_parse_cleanly(name: str) -> None:
    parsed = load_builtin(ASSETS / name)
    assert len(parsed.examples) >= 40
    assert not parsed.problems
    assert all(e.prompt and e.response for e in parsed.examples)


def test_lone_surrogates_in_a_jsonl_line_become_replacement_characters() -> None:
    line = '{"prompt": "a \\ud800 b", "response": "c \\udfff \\ud83d\\ude00"}'  # JSON.stringify
    parsed = parse_file("d.jsonl", "\n".join([line] * 4).encode())
    assert parsed.examples[0] == Example("a \ufffd b", "c \ufffd \U0001f600")
