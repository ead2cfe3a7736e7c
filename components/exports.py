"""Export helpers shared by the tabs: a fresh folder per export, HTML/CSV/JSON writers, and the
"Save picture (PNG)" button for plotly views.

PNG of a plotly figure is made in the browser by plotly.js itself (the same code as the camera
icon in the plot's toolbar): server-side rendering would need kaleido and a headless Chrome,
which neither an offline install nor a Hugging Face Space has. Pictures that are not plotly
(the Image tab's grid, the Text tab's coloured tokens) are written on the server with Pillow.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import plotly.graph_objects as go
import plotly.io as pio

from components.scripts import script
from models.scratch import new_folder

PNG_SCALE = 2  # twice the on-screen size: sharp on a projector and in slides


def export_dir(tab_id: str) -> Path:
    """A new folder for one export, so two users (or two clicks) never share a file: under the
    scratch root, which every new folder prunes by age and count (models/scratch.py)."""
    return new_folder(tab_id)


def slug(text: str, fallback: str = "export") -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or fallback


def write_html(figure: go.Figure, path: Path) -> Path:
    # plotly.js inline (about 4.6 MB): the page works offline and in a slide deck, no CDN.
    figure.write_html(path, include_plotlyjs=True, full_html=True)
    return path


def write_json(data: Any, path: Path) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def figure_from_plot(value: Any) -> go.Figure | None:
    """The plotly figure a gr.Plot holds (it passes gradio's PlotData, JSON inside), or None."""
    if value is None:
        return None
    if isinstance(value, go.Figure):
        return value
    payload = value.get("plot") if isinstance(value, dict) else getattr(value, "plot", None)
    if not isinstance(payload, str):
        return None
    return pio.from_json(payload)


def table_rows(value: Any) -> list[list[Any]]:
    """Rows of a gr.Dataframe input (a pandas DataFrame, or a dict/list from an API call)."""
    if value is None:
        return []
    if hasattr(value, "values") and hasattr(value, "columns"):
        return [list(row) for row in value.values.tolist()]
    if isinstance(value, dict):
        return [list(row) for row in value.get("data", [])]
    return [list(row) for row in value]


def png_button(plot_elem_id: str, filename: str, label: str = "Save picture (PNG)") -> gr.Button:
    """A button that downloads the plot with id ``plot_elem_id`` as ``{filename}.png``."""
    button = gr.Button(label, size="sm", elem_id=f"{plot_elem_id}-png")
    js = script("save_plot_png", ELEM_ID=plot_elem_id, FILENAME=filename, SCALE=str(PNG_SCALE))
    button.click(None, js=js, api_visibility="private")
    return button


def files_box(elem_id: str, label: str = "Downloads") -> gr.File:
    """Where an export's files appear (hidden until there are some)."""
    return gr.File(
        label=label, file_count="multiple", interactive=False, visible=False, elem_id=elem_id
    )


def shown(paths: Sequence[Path | str]) -> gr.File:
    return gr.File(value=[str(p) for p in paths], visible=True)
