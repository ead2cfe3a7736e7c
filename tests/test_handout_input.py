"""The lesson handout under hostile input: what the page posts (``shots``, a JSON string of PNG data
URLs and texts) is capped before it is decoded (its size, its nesting, each picture's pixels, read
from the PNG header), and every refusal is a sentence that says what to do; a lone surrogate in a
step's text becomes U+FFFD; malformed entries are left out and the handout is still written."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib

import gradio as gr
import pytest
from PIL import Image

from components.errors import user_errors
from components.lessons import handlers, handout
from models import validation

LIFE_CYCLE = 1  # the lesson with 6 steps
SLUG = "life-cycle"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + data))
    return struct.pack(">I", len(data)) + kind + data + crc


def _bilevel_png(width: int, height: int) -> bytes:
    """A real PNG of ``width`` x ``height`` black pixels, made in a blink (1 bit a pixel)."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def _claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` (its pixels never come)."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    real = buffer.getvalue()
    header = struct.pack(">II", width, height) + real[24:29]
    return real[:8] + _chunk(b"IHDR", header) + real[33:]


def _url(png: bytes) -> str:
    return handout.PNG_PREFIX + base64.b64encode(png).decode()


def _small() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), "blue").save(buffer, format="PNG")
    return _url(buffer.getvalue())


def _take(shots: object) -> list:
    """The handout as the page asks for it: through ``user_errors``, as the bar wires it."""
    raw = shots if isinstance(shots, str) else json.dumps(shots)
    return user_errors(handlers.handout)(LIFE_CYCLE, "en", "http://host/", raw)


def _refusal(shots: object) -> str:
    with pytest.raises(gr.Error) as refused:
        _take(shots)
    message = refused.value.message
    assert "went wrong" not in message and "Error" not in message, message
    assert "take the handout" in message, message  # it says what to do
    return message


@pytest.mark.parametrize(
    ("side", "steps"), [(100_000, (0,)), (20_000, range(6)), (12_000, range(6))]
)
def test_a_picture_past_the_pixel_cap_is_refused_from_its_header(side: int, steps) -> None:
    shots = {f"{SLUG}:{i}": {"picture": _url(_claiming(side, side))} for i in steps}
    message = _refusal(shots)
    assert f"{side} × {side} pixels" in message
    assert f"{handout.MAX_PICTURE_PIXELS / 1e6:g} megapixels" in message


def test_real_12000_pixel_pictures_at_every_step_are_refused_before_decoding() -> None:
    big = _url(_bilevel_png(12_000, 12_000))
    message = _refusal({f"{SLUG}:{i}": {"picture": big} for i in range(6)})
    assert "12000 × 12000 pixels" in message


def test_a_picture_at_the_cap_is_kept() -> None:
    _, page = _take({f"{SLUG}:0": {"picture": _url(_bilevel_png(2560, 1440))}})
    assert page.read_text(encoding="utf-8").count('<img src="data:image/png;base64,') == 1


def test_the_payload_is_capped_by_size_before_it_is_parsed() -> None:
    text = "x" * (handout.MAX_SHOTS_CHARS + 1)
    message = _refusal(json.dumps({f"{SLUG}:0": {"text": text}}))
    assert f"{handout.MAX_SHOTS_CHARS / 1e6:g} MB" in message


@pytest.mark.parametrize("depth", [100_000, "one past the cap"])
def test_the_payload_is_capped_by_nesting_before_it_is_parsed(depth: int | str) -> None:
    depth = depth if isinstance(depth, int) else handout.MAX_SHOTS_DEPTH - 1  # 2 levels around
    nested = "[" * depth + "]" * depth
    message = _refusal('{"life-cycle:0": {"text": ' + nested + "}}")
    assert f"{handout.MAX_SHOTS_DEPTH} levels" in message


def test_nesting_is_counted_outside_strings_only() -> None:
    brackets = "[{" * 5_000
    _, page = _take({f"{SLUG}:0": {"text": brackets}})  # brackets inside a text are text
    assert brackets[:50] in page.read_text(encoding="utf-8")


def test_json_depth_is_scanned_without_recursion() -> None:
    assert not validation.json_deeper_than('{"a": [1, {"b": "[[[[[[[[[[\\"]]]"}]}', 3)
    assert validation.json_deeper_than('{"a": [1, {"b": [[]]}]}', 3)
    assert not validation.json_deeper_than('{"a": [1, {"b": []}], "c": {"d": {}}}', 4)
    assert validation.json_deeper_than("[" * 1_000_000, 8)  # no RecursionError, whatever the depth
    assert not validation.json_deeper_than('"' + '\\"' * 1_000_000, 8)  # one pass, not n²
    assert not validation.json_deeper_than('"just text"', 0)


def test_png_size_reads_only_the_header() -> None:
    assert validation.png_size(_claiming(100_000, 3)) == (100_000, 3)
    assert validation.png_size(b"GIF89a" + b"\x00" * 40) is None
    assert validation.png_size(b"\x89PNG\r\n\x1a\n") is None  # cut short


def test_lone_surrogates_in_a_step_text_become_replacement_characters() -> None:
    raw = '{"life-cycle:0": {"text": "a \\ud800 b \\udfff c \\ud83d\\ude00"}}'  # JSON.stringify
    markdown, page = _take(raw)
    for path in (markdown, page):
        text = path.read_text(encoding="utf-8")
        assert "a \ufffd b \ufffd c \U0001f600" in text


def test_malformed_entries_are_left_out_and_the_handout_still_written() -> None:
    shots = {
        f"{SLUG}:0": {"picture": "data:image/jpeg;base64,/9j/4AAQSkZJRg=="},  # not a PNG URL
        f"{SLUG}:1": {"picture": handout.PNG_PREFIX + "@@not base64@@"},  # broken base64
        f"{SLUG}:2": {"picture": _url(_bilevel_png(40, 40)[:41])},  # a PNG cut short
        f"{SLUG}:3": {"text": 42},  # not text
        f"{SLUG}:4": {"text": ["a", {"b": None}]},  # not text
        f"{SLUG}:5": {"picture": _small(), "text": None},  # the one good entry
        **{f"{SLUG}:{i}": {"text": "beyond the lesson"} for i in range(6, 200)},
        "life-cycle:-1": {"text": "before the lesson"},
        f"{SLUG}:0x1": {"text": "not a step"},
    }
    markdown, page = _take(shots)
    html_text = page.read_text(encoding="utf-8")
    assert html_text.count('<img src="data:image/png;base64,') == 1
    assert "beyond the lesson" not in html_text and "before the lesson" not in html_text
    assert "> 42" not in markdown.read_text(encoding="utf-8")
    for other in ([{"text": "a list, not a record"}], "null", "not json", 7):
        _take(other)  # the words only: no error
