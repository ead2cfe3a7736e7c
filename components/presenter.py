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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import gradio as gr

TAB_IDS = ("start", "text", "image", "embeddings", "attention", "finetune", "models")
VIEWS = ("Simple", "Expert")
EXPERT = "expert"  # elem_classes value of the controls that only the expert view shows

# Runs in the browser: flips the body classes the CSS keys on, and returns its inputs unchanged.
VIEW_JS = "(v) => { document.body.classList.toggle('pg-simple', v === 'Simple'); return v; }"
MODE_JS = "(on) => { document.body.classList.toggle('pg-presenter', !!on); return on; }"
# The open tab's id (each tab button carries data-tab-id) replaces the placeholder input.
CURRENT_TAB_JS = """(tab, ...rest) => {
    const open = document.querySelector('button[role="tab"][aria-selected="true"][data-tab-id]');
    return [open ? open.dataset.tabId : tab, ...rest];
}"""
# The query string becomes a full URL, is shown, and is copied when the browser allows it.
COPY_JS = """(query) => {
    if (!query) return query;
    const url = window.location.origin + window.location.pathname + query;
    if (navigator.clipboard && window.isSecureContext)
        navigator.clipboard.writeText(url).catch(() => {});
    return url;
}"""


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


def _first(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip().lower() if value is not None else ""


def parse_deep_link(params: Mapping[str, Any], presets: Mapping[str, Sequence[str]]) -> DeepLink:
    """Check ``tab``, ``preset``, ``view`` and ``mode`` against the tabs and their preset slugs.
    Anything unknown is dropped with a notice naming what would have worked."""
    notices: list[str] = []
    tab = _first(params.get("tab")) or None
    preset = _first(params.get("preset")) or None
    if tab is not None and tab not in TAB_IDS:
        notices.append(f"Unknown tab '{tab}' in the link (tabs: {', '.join(TAB_IDS)}).")
        tab = None
    if preset is not None and tab is None:
        # A preset alone is fine when exactly one tab has it.
        owners = [t for t, slugs in presets.items() if preset in slugs]
        tab = owners[0] if len(owners) == 1 else None
        if tab is None:
            notices.append(f"Unknown preset '{preset}' in the link.")
            preset = None
    elif preset is not None and preset not in presets.get(tab or "", ()):
        known = ", ".join(presets.get(tab or "", ())) or "none"
        notices.append(f"The {tab} tab has no preset '{preset}' (its presets: {known}).")
        preset = None
    view = _first(params.get("view")) or None
    if view is not None:
        matches = [v for v in VIEWS if v.lower() == view]
        if not matches:
            notices.append(f"Unknown view '{view}' (use simple or expert).")
        view = matches[0] if matches else None
    mode = _first(params.get("mode")) or None
    presenter = None
    if mode is not None:
        if mode in ("presenter", "normal"):
            presenter = mode == "presenter"
        else:
            notices.append(f"Unknown mode '{mode}' (use presenter or normal).")
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
    requested: gr.State  # a deep link writes a slug here; its change event applies it
    current: gr.State  # the preset last applied in this session (for "copy link")

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(p.slug for p in self.presets)

    def note_for(self, slug: str) -> str:
        found = next((p for p in self.presets if p.slug == slug), None)
        return f"**{found.label}**: {found.note}" if found else ""

    def wire(
        self, apply: Callable[[str], Any], outputs: Sequence[Any], then: Sequence[dict[str, Any]]
    ) -> list[Any]:
        """Button or deep link: remember the slug, ``apply`` it to ``outputs``, then run each
        event of ``then`` (keyword arguments of ``.then``) so one click shows a result.
        Returns the last event of each chain (e.g. for a Cancel button's ``cancels``)."""
        ends: list[Any] = []

        def chain(event: Any) -> None:
            event = event.success(apply, self.current, list(outputs), api_visibility="private")
            for step in then:
                # One queue pool per tab's demos (unless a step names its own), so a room full
                # of people pressing demo buttons cannot run more than the server's default.
                pool = {"api_visibility": "private", "concurrency_id": f"{self.tab_id}-demos"}
                event = event.success(**{**pool, **step})
            ends.append(event)

        for preset, button in zip(self.presets, self.buttons, strict=True):
            chain(
                button.click(
                    lambda slug=preset.slug: (slug, self.note_for(slug)),
                    outputs=[self.current, self.note],
                    api_visibility="private",
                    queue=False,
                )
            )
        chain(
            self.requested.change(
                lambda slug: (slug, self.note_for(slug)),
                self.requested,
                [self.current, self.note],
                api_visibility="private",
                queue=False,
            )
        )
        return ends


def preset_bar(tab_id: str, presets: Sequence[TabPreset]) -> PresetBar:
    """Draw a row of one-click demo buttons (ids ``{tab}-preset-{slug}``) and a note below."""
    with gr.Row(elem_classes=["preset-bar"], elem_id=f"{tab_id}-presets"):
        gr.Markdown("**One-click demos:**", elem_classes=["preset-label"])
        buttons = [
            gr.Button(p.label, size="sm", elem_id=f"{tab_id}-preset-{p.slug}") for p in presets
        ]
    note = gr.Markdown("", elem_id=f"{tab_id}-preset-note", elem_classes=["preset-note"])
    return PresetBar(tab_id, tuple(presets), buttons, note, gr.State(""), gr.State(""))


@dataclass
class PresenterBar:
    view: gr.Radio
    presenter: gr.Checkbox
    copy: gr.Button
    link: gr.Textbox
    notice: gr.Markdown


def presenter_bar() -> PresenterBar:
    """The strip above the tabs: view, presenter mode, and the scene link."""
    with gr.Row(elem_id="presenter-bar", equal_height=True):
        view = gr.Radio(
            list(VIEWS), value="Expert", label="Controls", elem_id="view-toggle", scale=2,
            info="Simple: the few that matter. Expert: all of them.",
        )  # fmt: skip
        presenter = gr.Checkbox(
            False, label="Presenter mode (large text, high contrast)", elem_id="presenter-mode",
            scale=2,
        )  # fmt: skip
        copy = gr.Button("Copy link to this scene", elem_id="copy-scene-link", scale=1)
        link = gr.Textbox(
            label="Link to this scene", elem_id="scene-link", scale=3, buttons=["copy"],
            placeholder="press “Copy link to this scene”",
        )  # fmt: skip
    notice = gr.Markdown("", elem_id="deep-link-notice")
    return PresenterBar(view, presenter, copy, link, notice)


def wire_presenter(
    demo: gr.Blocks, tabs: gr.Tabs, bar: PresenterBar, preset_bars: Sequence[PresetBar]
) -> None:
    """Apply the page's deep link on load; wire the view and mode toggles and "copy link"."""
    known = {b.tab_id: b.slugs for b in preset_bars}

    def on_load(request: gr.Request) -> tuple:
        link = parse_deep_link(dict(request.query_params) if request else {}, known)
        notice = " ".join(f"⚠️ {n}" for n in link.notices)
        return (
            gr.Tabs(selected=link.tab) if link.tab else gr.skip(),
            notice,
            link.view or gr.skip(),
            gr.skip() if link.presenter is None else link.presenter,
            *(link.preset if link.preset and b.tab_id == link.tab else gr.skip()
              for b in preset_bars),
        )  # fmt: skip

    demo.load(
        on_load,
        outputs=[tabs, bar.notice, bar.view, bar.presenter, *(b.requested for b in preset_bars)],
        api_visibility="private",
        queue=False,
    )
    bar.view.change(None, bar.view, bar.view, js=VIEW_JS, api_visibility="private")
    bar.presenter.change(None, bar.presenter, bar.presenter, js=MODE_JS, api_visibility="private")

    tab_ids = [b.tab_id for b in preset_bars]

    def link_for(tab: str, view: str, presenter: bool, *currents: str) -> str:
        preset = dict(zip(tab_ids, currents, strict=True)).get(tab, "")
        return scene_query(tab, preset or "", view, presenter)

    bar.copy.click(
        link_for,
        [bar.link, bar.view, bar.presenter, *(b.current for b in preset_bars)],
        bar.link,
        js=CURRENT_TAB_JS,
        api_visibility="private",
        queue=False,
    ).then(None, bar.link, bar.link, js=COPY_JS, api_visibility="private")
