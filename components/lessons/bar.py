"""The lesson bar above the tabs: pick a lesson and a language, step through it, run each step's
demo in its tab, reveal the answer, take the handout. Layout and wiring only (handlers.py holds
the logic, content.py the lessons).

Why a bar of our own rather than Gradio's gr.Walkthrough: a step opens another tab and runs its
demo there, so the lesson has to stay in view above the tabs; gr.Walkthrough lays its steps out
inside one container, and has no hook for deep links or a language switch. Our bar keeps one
position per session, redraws its words in the chosen language, and its buttons are ordinary
buttons, so Tab and Enter (or Alt + arrows) step through a lesson from the keyboard.

The language follows the browser (``navigator.language``, or ``?lang=es`` in a link) and the
language switch; lessons and the bar's own words are translated (components/lessons/ui_text.py).
The bar's switch is the whole page's: wiring it marks every tab's words for translation and sets
Gradio's own language with it (components/i18n.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components import i18n
from components.concurrency import SESSION_TTL
from components.deep_links import page_address
from components.errors import user_errors
from components.lessons import handlers
from components.lessons.content import LANGUAGES, LESSONS
from components.lessons.ui_text import LANGUAGE_NAMES, UI
from components.scripts import script

GO_JS = script("lesson_go")
SHOTS_JS = script("lesson_shots")
KEYS_JS = script("lesson_keys")
BROWSER_LANGUAGE_JS = script("browser_language")


@dataclass
class LessonBar:
    box: gr.Accordion
    lesson: gr.Dropdown
    language: gr.Radio
    notice: gr.Markdown
    progress: gr.Markdown
    say: gr.Markdown
    question: gr.Markdown
    answer: gr.Markdown
    back: gr.Button
    run: gr.Button
    reveal: gr.Button
    forward: gr.Button
    take: gr.Button
    link: gr.Textbox
    keys: gr.Markdown
    files: gr.File
    revealed: gr.State  # whether the answer is shown
    position: gr.State  # (lesson, step), from 0
    target: gr.Textbox  # hidden: what the browser presses and points at (GO_JS)
    shots: gr.Textbox  # hidden: what the steps showed, sent once for the handout (SHOTS_JS)

    @property
    def outputs(self) -> list[Any]:
        """What ``shown`` fills, in its order."""
        return [self.box, self.lesson, self.language, self.progress, self.say, self.question,
                self.answer, self.back, self.run, self.reveal, self.forward, self.take,
                self.link, self.keys, self.files, self.revealed]  # fmt: skip

    def wire(self, demo: gr.Blocks, tabs: gr.Tabs) -> None:
        """Connect the bar to the tabs (call it last: the language reaches every tab)."""
        _wire(self, demo, tabs)


def build() -> LessonBar:
    """Draw the bar (call it above the tabs); ``LessonBar.wire`` connects it once they exist."""
    en = UI["en"]
    view = handlers.step_view(0, 0, "en")
    with gr.Accordion(en["bar"], open=False, elem_id="lesson-bar") as box:
        with gr.Row(equal_height=True):
            lesson = gr.Dropdown(
                [(lesson.titles["en"], i) for i, lesson in enumerate(LESSONS)], value=0,
                label=en["lesson"], scale=3, elem_id="lesson-pick",
            )  # fmt: skip
            language = gr.Radio(
                [(LANGUAGE_NAMES[code], code) for code in LANGUAGES], value="en",
                label=en["language"], scale=2, elem_id="lesson-language",
            )  # fmt: skip
        notice = gr.Markdown("", elem_id="lesson-notice")
        progress = gr.Markdown(view.progress, elem_id="lesson-progress")
        say = gr.Markdown(view.say, elem_id="lesson-say")
        question = gr.Markdown(view.question, elem_id="lesson-question")
        answer = gr.Markdown(view.answer, visible=False, elem_id="lesson-answer")
        with gr.Row(equal_height=True):
            back = gr.Button(en["back"], size="sm", elem_id="lesson-back")
            run = gr.Button(en["run"], variant="primary", size="sm", elem_id="lesson-run")
            reveal = gr.Button(en["reveal"], size="sm", elem_id="lesson-reveal")
            forward = gr.Button(en["next"], size="sm", elem_id="lesson-next")
            take = gr.Button(en["handout"], size="sm", elem_id="lesson-handout")
        with gr.Row(equal_height=True):
            link = gr.Textbox(
                view.link, label=en["link"], interactive=False, scale=3, elem_id="lesson-link"
            )
            keys = gr.Markdown(en["keys"], elem_classes=["caveat"], elem_id="lesson-keys")
        files = gr.File(label=en["handout"], visible=False, elem_id="lesson-files",
                        file_count="multiple")  # fmt: skip
    return LessonBar(
        box, lesson, language, notice, progress, say, question, answer, back, run, reveal,
        forward, take, link, keys, files, revealed=gr.State(False),
        position=gr.State((0, 0), time_to_live=SESSION_TTL),
        target=gr.Textbox(visible=False, elem_id="lesson-target"),
        shots=gr.Textbox(visible=False, elem_id="lesson-shots"),
    )  # fmt: skip


def shown(position: Any, language: Any, open_bar: bool | None = None) -> tuple:
    """Every output of the bar for ``position`` in ``language`` (the answer hidden again)."""
    language = handlers.checked_language(language)
    text = UI[language]
    lesson, step = handlers.moved(position, 0)
    view = handlers.step_view(lesson, step, language)
    return (
        gr.Accordion(label=text["bar"], open=open_bar) if open_bar is not None else
        gr.Accordion(label=text["bar"]),
        gr.Dropdown(choices=[(item.titles[language], i) for i, item in enumerate(LESSONS)],
                    value=lesson, label=text["lesson"]),
        gr.Radio(value=language, label=text["language"]),
        view.progress, view.say, view.question,
        gr.Markdown(view.answer, visible=False),
        gr.Button(text["back"]), gr.Button(text["run"]), gr.Button(text["reveal"]),
        gr.Button(text["next"]), gr.Button(text["handout"]),
        gr.Textbox(value=view.link, label=text["link"]), text["keys"],
        gr.File(value=None, visible=False, label=text["handout"]),
        False,
    )  # fmt: skip


def _wire(bar: LessonBar, demo: gr.Blocks, tabs: gr.Tabs) -> None:
    back, run, reveal, forward, take = bar.back, bar.run, bar.reveal, bar.forward, bar.take
    revealed, answer, files = bar.revealed, bar.answer, bar.files
    private = {"api_visibility": "private", "queue": False}

    def on_load(browser: str, request: gr.Request) -> tuple:
        params = dict(request.query_params) if request else {}
        language, language_notice = handlers.language_of(browser, params.get("lang"))
        i18n.remember(request, language)  # what the tabs' handlers say things in
        position, link_notice = handlers.lesson_from_link(params, language)
        notice = " ".join(n for n in (link_notice, language_notice) if n)
        if position is None:  # the link names no lesson: the bar waits, closed
            return (*shown((0, 0), language), (0, 0), notice, gr.skip(), "")
        return (
            *shown(position, language, open_bar=True), position, notice,
            gr.Tabs(selected=handlers.tab_of(position)), handlers.point_target(position),
        )  # fmt: skip

    load_outputs = [*bar.outputs, bar.position, bar.notice, tabs, bar.target]
    loaded = demo.load(
        user_errors(on_load), [bar.target], load_outputs, js=BROWSER_LANGUAGE_JS, **private
    )
    loaded.then(None, bar.target, bar.target, js=GO_JS, api_visibility="private")
    demo.load(None, js=KEYS_JS, api_visibility="private")

    def switch(position: Any, language: str, request: gr.Request) -> tuple:
        i18n.remember(request, handlers.checked_language(language))
        return shown(position, language)

    switched = bar.language.input(
        user_errors(switch), [bar.position, bar.language], bar.outputs, **private
    )

    # The page's language is the bar's: Gradio's own words and every tab's (SET_LOCALE_JS).
    for chain in (loaded, switched):
        chain.then(None, bar.language, None, js=i18n.SET_LOCALE_JS, **private)

    def step_to(position: Any, language: str, by: int) -> tuple:
        new = handlers.moved(position, by)
        return (*shown(new, language), new, gr.Tabs(selected=handlers.tab_of(new)),
                handlers.point_target(new))  # fmt: skip

    step_outputs = [*bar.outputs, bar.position, tabs, bar.target]
    for leaving in (back.click, forward.click, bar.lesson.input):  # keep what the step showed
        leaving(None, js=SHOTS_JS, api_visibility="private", queue=False)
    for button, by in ((back, -1), (forward, 1)):
        button.click(
            user_errors(lambda p, lang, by=by: step_to(p, lang, by)), [bar.position, bar.language],
            step_outputs, **private,
        ).then(None, bar.target, bar.target, js=GO_JS, api_visibility="private")  # fmt: skip

    def pick_lesson(lesson: Any, language: str) -> tuple:
        return step_to((lesson if isinstance(lesson, int) else 0, 0), language, 0)

    bar.lesson.input(
        user_errors(pick_lesson), [bar.lesson, bar.language], step_outputs, **private
    ).then(None, bar.target, bar.target, js=GO_JS, api_visibility="private")

    def on_run(position: Any) -> tuple:
        return gr.Tabs(selected=handlers.tab_of(position)), handlers.press_target(position)

    run.click(on_run, [bar.position], [tabs, bar.target], **private).then(
        None, bar.target, bar.target, js=GO_JS, api_visibility="private"
    )

    def on_reveal(now: bool, language: str) -> tuple:
        text = UI[handlers.checked_language(language)]
        shown_now = not now
        return (gr.Markdown(visible=shown_now), shown_now,
                gr.Button(text["hide"] if shown_now else text["reveal"]))  # fmt: skip

    reveal.click(
        user_errors(on_reveal), [revealed, bar.language], [answer, revealed, reveal], **private
    )

    def on_handout(position: Any, language: str, shots: str, request: gr.Request) -> Any:
        lesson, _ = handlers.moved(position, 0)
        base = page_address(request)  # the page, not the queue the event came through
        paths = handlers.handout(lesson, language, base, shots)
        return gr.File(value=[str(path) for path in paths], visible=True), ""

    take.click(None, None, bar.shots, js=SHOTS_JS, api_visibility="private", queue=False).then(
        user_errors(on_handout), [bar.position, bar.language, bar.shots], [files, bar.shots],
        api_visibility="private",
    )  # fmt: skip
