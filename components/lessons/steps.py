"""What a lesson is made of: a lesson has steps, a step has its words in every language, and
the languages (the first is the fallback). The lessons themselves are in
components/lessons/course/, one file per idea; components/lessons/content.py lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "es", "zh")  # the first is the fallback


@dataclass(frozen=True)
class Words:
    """One step in one language."""

    say: str  # the one thing the step says
    question: str  # asked before the demo's result is explained
    answer: str


@dataclass(frozen=True)
class Step:
    tab: str  # the tab the step opens (components/tabs.py TAB_IDS)
    press: str  # elem_id of the button it presses ("" = none: the tab as it is)
    point: str  # elem_id of the control that matters (outlined and scrolled to)
    words: dict[str, Words]
    opens: str = ""  # elem_id of an accordion to open before pressing


@dataclass(frozen=True)
class Lesson:
    slug: str  # what a link names: ?lesson=embeddings&step=2
    titles: dict[str, str]
    steps: tuple[Step, ...]
