"""User text inside Markdown, shown as text: never as a link, an image, HTML or formatting.

Gradio's Markdown sanitizes dangerous HTML, but a value from a URL, a file name or a CSV header
must not render at all: ``[Session expired](https://…)`` in a deep link would otherwise be a live
link on the page. Two ways to embed such a value:
- ``inline_code``: the value as a code span (literal by definition; no autolinks inside), cut to a
  readable length — for names and values quoted in a sentence;
- ``escape_markdown``: every Markdown and HTML special character escaped — for running text.
"""

from __future__ import annotations

import re

from models.upload_text import without_lone_surrogates

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Bidirectional controls: a right-to-left override (U+202E) in a link's value would reverse the
# rest of the line it is quoted in, so they go as control characters do.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(value: object) -> str:
    """``value`` as text that is safe to quote: lone UTF-16 surrogates (JSON can carry "\\ud800";
    no real text does) become U+FFFD, control and bidirectional control characters go."""
    text = without_lone_surrogates(str(value))
    return _BIDI.sub("", _CONTROL.sub("", text))


def _clean(value: object, limit: int) -> str:
    text = plain(str(value)[: 4 * limit]).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def inline_code(value: object, limit: int = 80) -> str:
    """``value`` as a Markdown code span, on one line and at most ``limit`` characters."""
    text = _clean(value, limit)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def escape_markdown(value: object, limit: int = 2000) -> str:
    """``value`` as literal running text in Markdown (HTML and Markdown syntax escaped)."""
    text = _clean(value, limit).replace("&", "&amp;").replace("<", "&lt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
