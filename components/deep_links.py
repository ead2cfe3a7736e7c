"""Deep links: ``?tab=attention&preset=pronoun&view=simple&mode=presenter`` opens a tab and
applies (and runs) one of its demos (components/demos.py) when the page loads.
``parse_deep_link`` is a plain function; values it does not know are ignored with a one-line
notice, never an error. ``scene_query`` writes the link back for the presenter bar's "copy link"
(components/presenter.py, which wires both to the page).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from components.safe_text import inline_code, plain
from components.tab_contract import VIEWS
from components.tabs import TAB_IDS


@dataclass(frozen=True)
class DeepLink:
    """What a page's query string asks for, checked; ``None`` means "not asked"."""

    tab: str | None = None
    preset: str | None = None
    view: str | None = None  # one of VIEWS
    presenter: bool | None = None
    notices: tuple[str, ...] = ()


MAX_VALUE_CHARS = 200  # longer than any tab, preset, lesson or language name


def first_value(value: Any) -> str:
    """A query parameter's value, stripped and lower-cased ('' when absent); cut to
    MAX_VALUE_CHARS, without control or bidirectional control characters (safe_text.plain)."""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return plain(str(value)[:MAX_VALUE_CHARS]).strip().lower() if value is not None else ""


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


def page_address(request: Any) -> str:
    """The page's own address, ending in "/", from an event's request: what a visitor's browser
    shows, so a link written from it (a handout's "Try it live") opens the page. An event's
    request is to the queue (``/gradio_api/queue/join``), never the page; behind a proxy (a
    Space) the forwarded host and scheme are the visitor's, as Gradio reads them. "" outside a
    request."""
    raw = getattr(request, "request", None) if request is not None else None
    if raw is not None:
        from gradio.route_utils import get_root_url  # only inside an event: gradio is loaded

        root = get_root_url(raw, route_path=raw.url.path, root_path=raw.scope.get("root_path"))
        return root.rstrip("/") + "/"
    url = str(getattr(request, "url", "") or "") if request is not None else ""
    return url.split("?")[0].split("/gradio_api/")[0].rstrip("/") + "/" if url else ""
