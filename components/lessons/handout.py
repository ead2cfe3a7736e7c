"""A lesson as a one-page handout: every step's words, question and answer, a link that opens the
step live, and what the step showed the class: the picture (a plot, a generated image) or the
text (a story, a table) the browser saw when the class moved on or asked for the handout.

The browser sends what it saw (components/lessons/bar.py, SHOTS_JS) as JSON: {"<slug>:<step>":
{"picture": "data:image/png;base64,…"} or {"text": "…"}}. None of it is trusted. Before anything
is decoded, the whole is capped by size and by nesting (models/validation.py measures it without
recursion), and each picture by the pixels its PNG header declares; past a cap the handout is
refused with a sentence that says what to do. Then a picture is decoded and saved again as a PNG
of bounded size (anything else is dropped), text is cut, its lone surrogates replaced (JavaScript's
JSON.stringify writes them as "\\ud800") and shown as text (escaped in the HTML, quoted and
escaped in the Markdown).
Two files: Markdown (pictures as files beside it would not travel, so it carries the text and
the links) and a self-contained HTML page with the pictures inside.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import json
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from components import exports
from components.errors import clean_text
from components.lessons.content import LESSONS, Lesson
from components.lessons.ui_text import UI
from components.safe_text import escape_markdown
from models.errors import InvalidInputError
from models.sentences import sentence
from models.validation import json_deeper_than, png_size

PNG_PREFIX = "data:image/png;base64,"
MAX_SHOTS_CHARS = 12_000_000  # all pictures of one lesson, as the browser sends them
MAX_SHOTS_DEPTH = 8  # nesting of what the browser sends: it sends 2 ({step: {"picture": …}})
MAX_PICTURE_PIXELS = 8_000_000  # what a picture's PNG header may declare: a 1280 x 720 screen
# at device scale 2 is 3.7 megapixels (the page captures at presenter size: a plot at 960 x 540)
MAX_PICTURE_SIDE = 1200  # pixels: a plot at projector size
MAX_TEXT = 1_500  # characters of a step's text result
MAX_ROWS, MAX_COLUMNS, MAX_CELL = 30, 8, 200  # a table a step showed: its first rows and columns

Shot = dict[str, Any]  # {"picture": data URL}, {"text": words} or {"table": rows of cells}


def _picture(data_url: Any, step: int) -> str | None:
    """A browser's PNG data URL, decoded, shrunk if huge and encoded again; None if it is not
    a PNG picture. One that declares more than MAX_PICTURE_PIXELS is refused unopened."""
    if not isinstance(data_url, str) or not data_url.startswith(PNG_PREFIX):
        return None
    try:
        raw = base64.b64decode(data_url[len(PNG_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    if (size := png_size(raw)) is None:
        return None
    width, height = size
    if width * height > MAX_PICTURE_PIXELS:
        raise InvalidInputError(
            sentence(
                "Step {step}'s picture is {width} × {height} pixels; a handout takes pictures of "
                "up to {limit} megapixels. Reload the page, step through the lesson again and "
                "take the handout.",
                step=step + 1, width=width, height=height, limit=f"{MAX_PICTURE_PIXELS / 1e6:g}",
            )
        )  # fmt: skip
    try:
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as image:
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    picture.thumbnail((MAX_PICTURE_SIDE, MAX_PICTURE_SIDE))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return PNG_PREFIX + base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(rows: Any) -> list[list[str]] | None:
    """A table the browser read (a header row, then rows of cells), cut to its first MAX_ROWS
    rows and MAX_COLUMNS columns, every cell text; None if it is not a list of lists."""
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        return None
    width = min(max(len(row) for row in rows), MAX_COLUMNS)
    if width == 0:
        return None
    cut = [row[:width] + [""] * (width - len(row[:width])) for row in rows[:MAX_ROWS]]
    return [[clean_text(str(cell)[:MAX_CELL]).strip() if isinstance(cell, str | int | float)
             else "" for cell in row] for row in cut]  # fmt: skip


def _markdown_table(rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(escape_markdown(cell) for cell in cells) + " |"

    return [line(rows[0]), "|" + " --- |" * len(rows[0]), *(line(row) for row in rows[1:])]


def parse_shots(raw: Any, lesson: Lesson) -> dict[int, Shot]:
    """What the browser saw at each step of ``lesson`` (by step index), checked; bad or foreign
    entries are left out (the handout then has the step's words only). A payload past a cap
    (size, nesting, a picture's pixels) is refused with InvalidInputError, before it is decoded."""
    if not isinstance(raw, str) or not raw:
        return {}
    if len(raw) > MAX_SHOTS_CHARS:
        raise InvalidInputError(
            sentence(
                "The pictures and texts kept for the handout come to {size} MB; a handout takes "
                "up to {limit} MB. Reload the page, step through the lesson again and take the "
                "handout.",
                size=f"{len(raw) / 1e6:.1f}", limit=f"{MAX_SHOTS_CHARS / 1e6:g}",
            )
        )  # fmt: skip
    if json_deeper_than(raw, MAX_SHOTS_DEPTH):
        raise InvalidInputError(
            sentence(
                "What the page kept for the handout is nested more than {limit} levels deep. "
                "Reload the page, step through the lesson again and take the handout.",
                limit=MAX_SHOTS_DEPTH,
            )
        )
    try:
        sent = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(sent, dict):
        return {}
    shots: dict[int, Shot] = {}
    for index in range(len(lesson.steps)):
        entry = sent.get(f"{lesson.slug}:{index}")
        if not isinstance(entry, dict):
            continue
        if picture := _picture(entry.get("picture"), index):
            shots[index] = {"picture": picture}
        elif table := _table(entry.get("table")):
            shots[index] = {"table": table}
        elif isinstance(entry.get("text"), str) and entry["text"].strip():
            shots[index] = {"text": clean_text(entry["text"][:MAX_TEXT].strip())}
    return shots


def _markdown(lesson: Lesson, language: str, steps: list[dict[str, str]], shots) -> str:
    text = UI[language]
    lines = [f"# {lesson.titles[language]}", "", f"*{text['handout_title']}*", ""]
    for index, step in enumerate(steps):
        lines += [f"## {step['progress']}", "", step["say"], ""]
        shot = shots.get(index, {})
        if "table" in shot:
            lines += [*_markdown_table(shot["table"]), ""]
        elif "text" in shot:
            lines += [f"> {escape_markdown(line)}" for line in shot["text"].splitlines()] + [""]
        elif "picture" in shot:
            lines += [f"*({text['picture_in_html']})*", ""]
        lines += [
            f"**{text['question']}:** {step['question']}",
            "",
            f"**{text['answer']}:** {step['answer']}",
            "",
            f"[{text['try_it']}]({step['link']})",
            "",
        ]
    return "\n".join(lines)


def _html(lesson: Lesson, language: str, steps: list[dict[str, str]], shots) -> str:
    text = UI[language]
    say = html.escape
    parts = [
        f'<!doctype html>\n<html lang="{say(language)}"><head><meta charset="utf-8">',
        f"<title>{say(lesson.titles[language])}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:820px;margin:2em auto;"
        "line-height:1.5;padding:0 1em}img{max-width:100%;border:1px solid #ddd}"
        "blockquote{background:#f6f6f6;margin:0;padding:.5em 1em;white-space:pre-wrap}"
        "h2{margin-top:2em}table{border-collapse:collapse}td,th{border:1px solid #ddd;"
        "padding:.2em .5em;text-align:left}</style></head><body>",
        f"<h1>{say(lesson.titles[language])}</h1><p><em>{say(text['handout_title'])}</em></p>",
    ]
    for index, step in enumerate(steps):
        parts += [f"<h2>{say(step['progress'])}</h2>", f"<p>{say(step['say'])}</p>"]
        shot = shots.get(index, {})
        if "picture" in shot:
            alt = say(text["picture_alt"])
            parts.append(f'<p><img src="{shot["picture"]}" alt="{alt}"></p>')
        elif "table" in shot:
            head, *body = shot["table"]
            cells = ["".join(f"<th>{say(cell)}</th>" for cell in head)]
            cells += ["".join(f"<td>{say(cell)}</td>" for cell in row) for row in body]
            parts.append("<table>" + "".join(f"<tr>{row}</tr>" for row in cells) + "</table>")
        elif "text" in shot:
            parts.append(f"<blockquote>{say(shot['text'])}</blockquote>")
        parts += [
            f"<p><strong>{say(text['question'])}:</strong> {say(step['question'])}</p>",
            f"<p><strong>{say(text['answer'])}:</strong> {say(step['answer'])}</p>",
            f'<p><a href="{say(step["link"])}">{say(text["try_it"])}</a></p>',
        ]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_handout(
    lesson_index: int, language: str, steps: list[dict[str, str]], raw_shots: Any = ""
) -> list[Path]:
    """The Markdown and HTML handouts of one lesson; ``steps`` holds each step's words (progress
    line, say, question, answer, link), already in ``language``."""
    lesson = LESSONS[lesson_index]
    shots = parse_shots(raw_shots, lesson)
    steps = [{key: clean_text(value) for key, value in step.items()} for step in steps]
    folder = exports.export_dir("lessons")
    stem = f"lesson-{lesson.slug}-{language}"
    markdown, page = folder / f"{stem}.md", folder / f"{stem}.html"
    markdown.write_text(_markdown(lesson, language, steps, shots), encoding="utf-8")
    page.write_text(_html(lesson, language, steps, shots), encoding="utf-8")
    return [markdown, page]
