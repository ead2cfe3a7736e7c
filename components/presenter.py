"""The presenter bar above the tabs: simple/expert view, presenter mode and "copy link to this
scene", wired to the page by ``wire_presenter`` together with the deep links; and how every page
is drawn (``TITLE``, ``PAGE_OPTIONS``).

- **Simple / expert** and **presenter mode** are CSS classes on ``<body>`` (``pg-simple``,
  ``pg-presenter``; see assets/style.css) toggled in the browser, so switching costs no server
  round trip. Controls that only experts need carry the ``EXPERT`` class
  (components/tab_contract.py).
- **Deep links** (components/deep_links.py) are read when the page loads: the tab opens and the
  link's one-click demo (components/demos.py) is pressed.
- **Copy link to this scene**: the browser reads the open tab, the server adds that tab's last
  demo and the view, and the browser turns it into a full URL, shows it and copies it.

Nothing here is per user: the choices live in the page and in each session's ``gr.State``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from components.deep_links import parse_deep_link, scene_query
from components.demos import PresetBar
from components.errors import user_errors
from components.i18n import HEADERS_JS, i18n
from components.scripts import script
from components.tab_contract import VIEWS

TITLE = "Generative-model playground"  # the page's title, in the browser's tab

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
        user_errors(on_load),
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
