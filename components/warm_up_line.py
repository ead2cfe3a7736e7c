"""One line above the tab bar while the models warm up after launch ("Getting ready: 3 of 7 ·
the map engine (UMAP)…"), gone when every step is done. On a loaded 2-core box the warm-up takes
one to three minutes; without the line it shows only in the Models tab, and a first click
seems to hang. The steps and their states are the registry's (models/registry.py warm_up_steps,
labelled in models/warm_up.py); the page asks every two seconds while a step is left, then stops.
"""

from __future__ import annotations

import gradio as gr

from components.errors import user_errors
from models.registry import Registry
from models.sentences import Sentence, sentence

POLL_SECONDS = 2.0


def progress_line(registry: Registry) -> str:
    """What the line says now; "" when no warm-up runs (or it has finished)."""
    steps = registry.warm_up_steps()
    left = [step for step in steps if step.state in ("waiting", "running")]
    if not left:
        return ""
    ready = sum(step.state == "done" for step in steps)
    now = next((step for step in steps if step.state == "running"), left[0])
    return sentence(
        "⏳ Getting ready: {ready} of {total} ready · now {step}… A click that needs it waits "
        "until it is ready.",
        ready=ready, total=len(steps), step=Sentence(now.label),
    )  # fmt: skip


def build(registry: Registry, demo: gr.Blocks) -> gr.Markdown:
    """The line and its polling, wired to the page load; call inside ``demo``'s Blocks."""
    line = gr.Markdown("", visible=False, elem_id="warm-up-line")
    timer = gr.Timer(POLL_SECONDS, active=False)

    def show() -> tuple:
        said = progress_line(registry)
        return gr.Markdown(said, visible=bool(said)), gr.Timer(active=bool(said))

    quiet = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
    demo.load(user_errors(show), None, [line, timer], **quiet)
    timer.tick(user_errors(show), None, [line, timer], **quiet)
    return line
