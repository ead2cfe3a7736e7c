"""The page's JavaScript, kept in assets/js/ as real .js files (each one function, as Gradio's
``js=`` options take it), so an editor, a linter and a reader see JavaScript, not a Python string.

``script("press_button")`` reads assets/js/press_button.js once per process. A script that needs a
value from the server names it ``__NAME__``, and ``script("headers", WORDS=json_text)`` puts the
value in.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "assets" / "js"


@cache
def _source(name: str) -> str:
    return (SCRIPTS / f"{name}.js").read_text(encoding="utf-8").strip()


def script(name: str, **values: str) -> str:
    """The function in assets/js/<name>.js, with each ``__KEY__`` replaced by ``values[KEY]``."""
    text = _source(name)
    for key, value in values.items():
        marker = f"__{key}__"
        if marker not in text:
            raise KeyError(f"assets/js/{name}.js has no {marker}")
        text = text.replace(marker, value)
    return text
