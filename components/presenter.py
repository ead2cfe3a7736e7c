"""Presenter experience: one-click demos, deep links, simple/expert view and presenter mode.

- **Presets**: every tab that has demos calls ``preset_bar`` to draw its row of one-click demo
  buttons, then ``PresetBar.wire`` with the function that turns a preset slug into component
  updates and the events that run the demo. A deep link and a button use the same code path.
- **Deep links**: ``?tab=attention&preset=pronoun&view=simple&mode=presenter`` opens a tab and
  applies (and runs) a preset when the page loads. ``parse_deep_link`` is a plain function;
  values it does not know are ignored with a one-line notice, never an error.
- **Simple / expert** and **presenter mode** are CSS classes on ``<body>`` (``pg-simple``,
  ``pg-presenter``; see assets/style.css) toggled in the browser, so switching costs no server
  round trip. Controls that only experts need carry the ``expert`` class.
- **Copy link to this scene**: the browser reads the open tab, the server adds that tab's last
  preset and the view, and the browser turns it into a full URL, shows it and copies it.

Nothing here is per user: the choices live in the page and in each session's ``gr.State``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gradio as gr

from components.i18n import HEADERS_JS, i18n, language_of, translate
from components.safe_text import inline_code
from components.scripts import script
from models.errors import InvalidInputError

TITLE = "Generative-model playground"  # the page's title, in the browser's tab
TAB_IDS = ("start", "text", "image", "tokens", "embeddings", "attention", "finetune", "models")
VIEWS = ("Simple", "Expert")
EXPERT = "expert"  # elem_classes value of the controls that only the expert view shows

VIEW_JS = script("view")
MODE_JS = script("mode")
CURRENT_TAB_JS = script("current_tab")
PAGE_JS = script("enlarge_plots")
# How every page is drawn (app.py's launch and the hosting tests' server): the stylesheet, the
# script that enlarges plots in presenter mode, and the translations.
PAGE_OPTIONS: dict[str, Any] = {
    "css_paths": [Path(__file__).resolve().parents[1] / "assets" / "style.css"],
    "js": f"() => {{ ({PAGE_JS})(); ({HEADERS_JS})(); }}",
    "i18n": i18n(),  # the page's words in Spanish and Chinese (components/i18n.py)
}
PRESS_BUTTON_JS = script("press_button")
COPY_JS = script("copy_link")


@dataclass(kw_only=True)
class BuiltTab:
    """What every tab's ``build`` returns: its one-click demos (None for a tab without any),
    which the deep links and "copy link" use. Tabs that other tabs wire to extend it with the
    components those tabs need (components/text TextTab, attention AttentionTab, ...)."""

    presets: PresetBar | None = None


@dataclass(frozen=True)
class TabPreset:
    """One one-click demo: ``slug`` is what a URL names (``?preset=pronoun``)."""

    slug: str
    label: str  # the button's text
    note: str  # markdown shown once applied: what the audience should look at


@dataclass(frozen=True)
class DeepLink:
    """What a page's query string asks for, checked; ``None`` means "not asked"."""

    tab: str | None = None
    preset: str | None = None
    view: str | None = None  # one of VIEWS
    presenter: bool | None = None
    notices: tuple[str, ...] = ()


def first_value(value: Any) -> str:
    """A query parameter's value, stripped and lower-cased ('' when absent)."""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip().lower() if value is not None else ""


def preset_values(table: Mapping[str, tuple[Any, ...]], slug: str) -> tuple[Any, ...]:
    """The control values of demo ``slug`` in a tab's table, or a sentence naming the demos."""
    if slug not in table:
        raise InvalidInputError(f"Unknown preset '{slug}'. Presets here: {', '.join(table)}.")
    return table[slug]


def parse_deep_link(params: Mapping[str, Any], presets: Mapping[str, Sequence[str]]) -> DeepLink:
    """Check ``tab``, ``preset``, ``view`` and ``mode`` against the tabs and their preset slugs.
    Anything unknown is dropped with a notice naming what would have worked."""
    notices: list[str] = []
    tab = first_value(params.get("tab")) or None
    preset = first_value(params.get("preset")) or None
    if tab is not None and tab not in TAB_IDS:
        notices.append(
            f"Unknown tab {inline_code(tab)} in the link: use one of {', '.join(TAB_IDS)}."
        )
        tab = None
    if preset is not None and tab is None:
        # A preset alone is fine when exactly one tab has it.
        owners = [t for t, slugs in presets.items() if preset in slugs]
        tab = owners[0] if len(owners) == 1 else None
        if tab is None:
            notices.append(
                f"Unknown preset {inline_code(preset)} in the link: name a tab and one of its "
                "presets (see the README's tour)."
            )
            preset = None
    elif preset is not None and preset not in presets.get(tab or "", ()):
        known = ", ".join(presets.get(tab or "", ()))
        fix = f"use one of {known}" if known else "it has no demos, so leave preset out"
        notices.append(f"The {tab} tab has no preset {inline_code(preset)}: {fix}.")
        preset = None
    view = first_value(params.get("view")) or None
    if view is not None:
        matches = [v for v in VIEWS if v.lower() == view]
        if not matches:
            notices.append(f"Unknown view {inline_code(view)} in the link: use simple or expert.")
        view = matches[0] if matches else None
    mode = first_value(params.get("mode")) or None
    presenter = None
    if mode is not None:
        if mode in ("presenter", "normal"):
            presenter = mode == "presenter"
        else:
            notices.append(
                f"Unknown mode {inline_code(mode)} in the link: use presenter or normal."
            )
    return DeepLink(tab, preset, view, presenter, tuple(notices))


def scene_query(tab: str, preset: str, view: str, presenter: bool) -> str:
    """The query string that reopens this scene, e.g. ``?tab=attention&preset=pronoun``."""
    params: dict[str, str] = {}
    if tab in TAB_IDS:
        params["tab"] = tab
        if preset:
            params["preset"] = preset
    if view == "Simple":
        params["view"] = "simple"
    if presenter:
        params["mode"] = "presenter"
    return "?" + urlencode(params) if params else "?"


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

    def note_for(self, slug: str, language: str = "en") -> str:
        """What the audience should look at once ``slug`` is applied, in ``language``."""
        found = next((p for p in self.presets if p.slug == slug), None)
        if found is None:
            return ""
        label, note = translate(found.label, language), translate(found.note, language)
        return f"**{label}**: {note}"

    def _picker(self, slug: str) -> Callable[[gr.Request], tuple[str, str]]:
        def pick(request: gr.Request) -> tuple[str, str]:
            return slug, self.note_for(slug, language_of(request))

        return pick

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


@dataclass
class PresenterBar:
    view: gr.Radio
    presenter: gr.Checkbox
    copy: gr.Button
    link: gr.Textbox
    notice: gr.Markdown
    target: gr.Textbox  # hidden: the demo button a deep link presses


def presenter_bar() -> PresenterBar:
    """The strip above the tabs, one short row: view, presenter mode, and the scene link (shown
    once asked for, so the bar stays small on a projector and on a phone)."""
    with gr.Row(elem_id="presenter-bar", equal_height=True):
        view = gr.Radio(  # wide enough for "Controles expertos" in presenter mode's larger type
            [(f"{v} controls", v) for v in VIEWS], value="Expert", label="Controls",
            elem_id="view-toggle", scale=0, min_width=440, show_label=False, container=False,
        )  # fmt: skip
        presenter = gr.Checkbox(
            False, label="Presenter mode", elem_id="presenter-mode", scale=0, min_width=200,
            show_label=False,
        )  # fmt: skip
        copy = gr.Button(
            "Copy link to this scene", elem_id="copy-scene-link", size="sm", scale=0,
            min_width=200,
        )  # fmt: skip
        link = gr.Textbox(
            label="Link to this scene", elem_id="scene-link", scale=1, buttons=["copy"],
            visible=False, show_label=False, container=False,
        )  # fmt: skip
    notice = gr.Markdown("", elem_id="deep-link-notice")
    target = gr.Textbox(visible=False, elem_id="deep-link-target")
    return PresenterBar(view, presenter, copy, link, notice, target)


def wire_presenter(
    demo: gr.Blocks, tabs: gr.Tabs, bar: PresenterBar, preset_bars: Sequence[PresetBar]
) -> None:
    """Apply the page's deep link on load; wire the view and mode toggles and "copy link"."""
    known = {b.tab_id: b.slugs for b in preset_bars}
    bars = {b.tab_id: b for b in preset_bars}

    def on_load(request: gr.Request) -> tuple:
        link = parse_deep_link(dict(request.query_params) if request else {}, known)
        notice = " ".join(f"⚠️ {n}" for n in link.notices)
        target = bars[link.tab].button_id(link.preset) if link.tab and link.preset else ""
        return (
            gr.Tabs(selected=link.tab) if link.tab else gr.skip(),
            notice,
            link.view or gr.skip(),
            gr.skip() if link.presenter is None else link.presenter,
            target,
        )

    demo.load(
        on_load,
        outputs=[tabs, bar.notice, bar.view, bar.presenter, bar.target],
        api_visibility="private",
        queue=False,
    ).then(None, bar.target, bar.target, js=PRESS_BUTTON_JS, api_visibility="private")
    bar.view.change(None, bar.view, bar.view, js=VIEW_JS, api_visibility="private")
    bar.presenter.change(None, bar.presenter, bar.presenter, js=MODE_JS, api_visibility="private")

    tab_ids = [b.tab_id for b in preset_bars]

    def link_for(tab: str, view: str, presenter: bool, *currents: str) -> gr.Textbox:
        preset = dict(zip(tab_ids, currents, strict=True)).get(tab, "")
        return gr.Textbox(value=scene_query(tab, preset or "", view, presenter), visible=True)

    bar.copy.click(
        link_for,
        [bar.target, bar.view, bar.presenter, *(b.current for b in preset_bars)],
        bar.link,
        js=CURRENT_TAB_JS,
        api_visibility="private",
        queue=False,
    ).then(None, bar.link, bar.link, js=COPY_JS, api_visibility="private")
