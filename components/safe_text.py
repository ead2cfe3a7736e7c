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

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _clean(value: object, limit: int) -> str:
    text = _CONTROL.sub("", str(value)).replace("\r", " ").replace("\n", " ")
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
