"""One-click demos: every tab that has demos calls ``preset_bar`` to draw its row of demo
buttons, then ``PresetBar.wire`` with the function that turns a preset slug into component
updates and the events that run the demo. A deep link (components/deep_links.py) presses the
same button, so a link and a click use the same code path; the presenter bar's "copy link"
(components/presenter.py) reads the demo each tab last applied.

Nothing here is per user: the demo last applied lives in each session's ``gr.State``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import gradio as gr

from components.errors import user_errors
from models.errors import InvalidInputError
from models.sentences import Sentence, sentence


@dataclass(frozen=True)
class TabPreset:
    """One one-click demo: ``slug`` is what a URL names (``?preset=pronoun``)."""

    slug: str
    label: str  # the button's text
    note: str  # markdown shown once applied: what the audience should look at


def preset_values(table: Mapping[str, tuple[Any, ...]], slug: str) -> tuple[Any, ...]:
    """The control values of demo ``slug`` in a tab's table, or a sentence naming the demos."""
    if slug not in table:
        raise InvalidInputError(f"Unknown preset '{slug}'. Presets here: {', '.join(table)}.")
    return table[slug]


@dataclass
class PresetBar:
    """A tab's demo buttons and the state a deep link and "copy link" share."""

    tab_id: str
    presets: tuple[TabPreset, ...]
    buttons: list[gr.Button]
    note: gr.Markdown
    current: gr.State  # the preset last applied in this session (for "copy link")

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(p.slug for p in self.presets)

    def button_id(self, slug: str) -> str:
        return f"{self.tab_id}-preset-{slug}"

    def note_for(self, slug: str) -> str:
        """What the audience should look at once ``slug`` is applied: a sentence whose label and
        note are fixed sentences of their own (said in the page's language by ``user_errors``)."""
        found = next((p for p in self.presets if p.slug == slug), None)
        if found is None:
            return ""
        return sentence(
            "**{label}**: {note}", label=Sentence(found.label), note=Sentence(found.note)
        )

    def _picker(self, slug: str) -> Callable[[], tuple[str, str]]:
        def pick() -> tuple[str, str]:
            return slug, self.note_for(slug)

        return user_errors(pick)

    def only(self, slugs: Iterable[str]) -> PresetBar:
        """The part of this bar whose demos are ``slugs`` (same note and state), so each group
        of demos can be wired to its own events."""
        wanted = set(slugs)
        keep = [i for i, preset in enumerate(self.presets) if preset.slug in wanted]
        return replace(
            self,
            presets=tuple(self.presets[i] for i in keep),
            buttons=[self.buttons[i] for i in keep],
        )

    def wire(
        self, apply: Callable[[str], Any], outputs: Sequence[Any], then: Sequence[dict[str, Any]]
    ) -> list[Any]:
        """A button (which a deep link presses): remember the slug, ``apply`` it to ``outputs``,
        then run each event of ``then`` (keyword arguments of ``.then``) so one click shows a
        result. Returns the last event of each chain (e.g. for a Cancel button's ``cancels``)."""
        ends: list[Any] = []
        for preset, button in zip(self.presets, self.buttons, strict=True):
            event = button.click(
                self._picker(preset.slug),
                outputs=[self.current, self.note],
                api_visibility="private",
                queue=False,
            ).success(apply, self.current, list(outputs), api_visibility="private")
            for step in then:
                # One queue pool per tab's demos (unless a step names its own), so a room full
                # of people pressing demo buttons cannot run more than the server's default.
                pool = {"api_visibility": "private", "concurrency_id": f"{self.tab_id}-demos"}
                event = event.success(**{**pool, **step})
            ends.append(event)
        return ends


def preset_bar(tab_id: str, presets: Sequence[TabPreset]) -> PresetBar:
    """Draw a row of one-click demo buttons (ids ``{tab}-preset-{slug}``) and a note below."""
    with gr.Row(elem_classes=["preset-bar"], elem_id=f"{tab_id}-presets"):
        gr.Markdown("**One-click demos:**", elem_classes=["preset-label"])
        buttons = [
            gr.Button(p.label, size="sm", elem_id=f"{tab_id}-preset-{p.slug}") for p in presets
        ]
    note = gr.Markdown("", elem_id=f"{tab_id}-preset-note", elem_classes=["preset-note"])
    return PresetBar(tab_id, tuple(presets), buttons, note, gr.State(""))
