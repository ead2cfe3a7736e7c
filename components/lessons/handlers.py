"""Handlers of the lesson bar: plain functions from (lesson, step, language) to what the bar
shows, the deep link's lesson and step, the browser's language, and the handout. Layout and
wiring are in components/lessons/bar.py; the lessons themselves in content.py.

A position is (lesson index, step index), both from 0; links count steps from 1
(``?lesson=embeddings&step=2``), as a teacher says them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from components.deep_links import first_value
from components.i18n import translate
from components.lessons.content import LANGUAGES, LESSONS, Lesson, Step
from components.lessons.handout import write_handout
from components.lessons.ui_text import UI
from components.safe_text import inline_code
from components.tabs import TAB_NAMES
from models.errors import InvalidInputError
from models.validation import whole_number

Position = tuple[int, int]


@dataclass(frozen=True)
class StepView:
    """Everything the bar shows for one step in one language."""

    progress: str
    say: str
    question: str
    answer: str
    link: str


def checked_language(language: Any) -> str:
    return language if language in LANGUAGES else LANGUAGES[0]


def words(lesson: int, step: int, language: str) -> tuple[Lesson, Step, Any]:
    chosen = LESSONS[lesson % len(LESSONS)]
    at = chosen.steps[step % len(chosen.steps)]
    return chosen, at, at.words[checked_language(language)]


def step_query(lesson: int, step: int) -> str:
    """The query string that opens this step: ``?lesson=embeddings&step=2``."""
    return "?" + urlencode({"lesson": LESSONS[lesson].slug, "step": step + 1})


def tab_name(tab: str, language: str) -> str:
    """A tab's name as its label shows it in ``language`` (the page's catalogue translates it)."""
    return translate(TAB_NAMES[tab], language)


def step_view(lesson: int, step: int, language: Any) -> StepView:
    language = checked_language(language)
    text = UI[language]
    chosen, at, said = words(lesson, step, language)
    progress = text["step"].format(
        n=step + 1, total=len(chosen.steps), tab=tab_name(at.tab, language)
    )
    return StepView(
        progress=f"**{chosen.titles[language]}** · {progress}",
        say=said.say,
        question=f"**{text['question']}:** {said.question}",
        answer=f"**{text['answer']}:** {said.answer}",
        link=step_query(lesson, step),
    )


def moved(position: Any, by: int) -> Position:
    """The step ``by`` steps away within the lesson (it stops at the first and last)."""
    lesson, step = _position(position)
    last = len(LESSONS[lesson].steps) - 1
    return lesson, min(max(step + by, 0), last)


def _position(position: Any) -> Position:
    if (
        isinstance(position, list | tuple)
        and len(position) == 2
        and all(isinstance(i, int) for i in position)
        and 0 <= position[0] < len(LESSONS)
        and 0 <= position[1] < len(LESSONS[position[0]].steps)
    ):
        return position[0], position[1]
    return 0, 0


def lesson_from_link(params: Mapping[str, Any], language: str) -> tuple[Position | None, str]:
    """(position, notice) asked for by ``?lesson=…&step=…``; None when the link names no lesson.
    An unknown lesson or step gives the first one, with a one-line notice."""
    text = UI[checked_language(language)]
    name = first_value(params.get("lesson"))
    if not name:
        return None, ""
    slugs = [lesson.slug for lesson in LESSONS]
    if name not in slugs:
        return (0, 0), "⚠️ " + text["unknown_lesson"].format(name=inline_code(name))
    lesson = slugs.index(name)
    raw = first_value(params.get("step")) or "1"
    total = len(LESSONS[lesson].steps)
    try:  # "²" and "٣" are digits to str.isdigit, not to a teacher: ASCII digits only
        step = whole_number("step", raw if raw.isascii() else "?", 1, total)
    except InvalidInputError:
        notice = text["unknown_step"].format(name=inline_code(name), total=total)
        return (lesson, 0), "⚠️ " + notice
    return (lesson, step - 1), ""


def language_of(browser: Any, asked: Any = None) -> tuple[str, str]:
    """(language, notice) from a link's ``?lang=`` or the browser's language (``es-ES``); a
    language without a translation falls back to English, said once."""
    wanted = first_value(asked) or first_value(browser)
    code = wanted.split("-")[0].split("_")[0]
    if code in LANGUAGES:
        return code, ""
    if not code:
        return LANGUAGES[0], ""
    return LANGUAGES[0], "⚠️ " + UI["en"]["no_language"].format(name=inline_code(wanted))


def press_target(position: Any) -> str:
    """What the browser does for "Run the demo": JSON for components/lessons/bar.py's script."""
    lesson, step = _position(position)
    at = LESSONS[lesson].steps[step]
    key = f"{LESSONS[lesson].slug}:{step}"  # what the handout's pictures are filed under
    return json.dumps({"press": at.press, "point": at.point, "opens": at.opens, "key": key})


def point_target(position: Any) -> str:
    """The same for moving to a step: point at its control, press nothing."""
    lesson, step = _position(position)
    at = LESSONS[lesson].steps[step]
    key = f"{LESSONS[lesson].slug}:{step}"
    return json.dumps({"press": "", "point": at.point, "opens": at.opens, "key": key})


def tab_of(position: Any) -> str:
    lesson, step = _position(position)
    return LESSONS[lesson].steps[step].tab


def handout(lesson: int, language: Any, base_url: str = "", shots: Any = "") -> list[Path]:
    """A lesson's handouts (Markdown, and HTML with the pictures the steps showed): every step,
    its question and answer, what it showed (``shots``, from the browser) and a live link."""
    language = checked_language(language)
    text = UI[language]
    chosen = LESSONS[lesson]
    steps = []
    for index, at in enumerate(chosen.steps):
        said = at.words[language]
        progress = text["step"].format(
            n=index + 1, total=len(chosen.steps), tab=tab_name(at.tab, language)
        )
        link = f"{base_url}{step_query(lesson, index)}"
        steps.append({"progress": progress, "say": said.say, "question": said.question,
                      "answer": said.answer, "link": link})  # fmt: skip
    return write_handout(lesson, language, steps, shots)
