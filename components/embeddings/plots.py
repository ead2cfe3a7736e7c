"""Plotly figures for the Embeddings tab (the files it exports are in exports.py).

WebGL everywhere (``Scattergl`` in 2D, ``Scatter3d`` in 3D) so 10,000 points stay smooth; one
trace per label so the legend can hide and show groups; hover shows the sentence. The query and
its neighbours are drawn on top. No model math here: coordinates arrive computed.
"""

from __future__ import annotations

import html
import textwrap
from collections import Counter

import numpy as np
import plotly.graph_objects as go

from components.i18n import here
from models.sentences import sentence

MAX_LEGEND_LABELS = 24  # more labels than this: the rarest share one "other labels" colour
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
)


def hover_text(sentence: str) -> str:
    """Escaped (a sentence is data, not markup) and wrapped so long lines fit the tooltip."""
    return "<br>".join(html.escape(line) for line in textwrap.wrap(sentence, 70)) or " "


def _grouped(labels: list[str]) -> list[str]:
    counts = Counter(labels)
    if len(counts) <= MAX_LEGEND_LABELS:
        return labels
    keep = {label for label, _ in counts.most_common(MAX_LEGEND_LABELS - 1)}
    return [label if label in keep else "other labels" for label in labels]


def map_figure(
    coords: np.ndarray,
    texts: list[str],
    labels: list[str],
    title: str,
    *,
    axis_name: str = "UMAP",
    query: tuple[str, np.ndarray] | None = None,
    neighbours: list[int] | None = None,
) -> go.Figure:
    """The map: one WebGL trace per label, plus the query (a star) and rings on its neighbours."""
    three_d = coords.shape[1] == 3
    scatter = go.Scatter3d if three_d else go.Scattergl
    groups = _grouped(labels)
    order = sorted(set(groups), key=lambda g: (g == "other labels", g))
    figure = go.Figure()
    marker_size = 4 if three_d else (7 if len(texts) <= 2000 else 5)
    for position, group in enumerate(order):
        rows = np.flatnonzero(np.asarray(groups) == group)
        figure.add_trace(
            scatter(
                **_xyz(coords[rows]),
                mode="markers",
                name=f"{group} ({len(rows)})",
                marker={
                    "size": marker_size,
                    "color": PALETTE[position % len(PALETTE)],
                    "opacity": 0.8,
                },
                customdata=[[hover_text(texts[i]), html.escape(labels[i])] for i in rows],
                hovertemplate="%{customdata[0]}<br><i>%{customdata[1]}</i><extra></extra>",
            )
        )
    if query is not None and neighbours:
        query_text, query_point = query
        hood = coords[neighbours]
        figure.add_trace(
            scatter(
                **_xyz(hood),
                mode="markers",
                name=here(sentence("nearest neighbours")),
                marker={
                    "size": marker_size + 10,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": "#111", "width": 2},
                    "symbol": "circle-open" if three_d else "circle",
                },
                customdata=[
                    [hover_text(texts[i]), f"neighbour {rank + 1}"]
                    for rank, i in enumerate(neighbours)
                ],
                hovertemplate="%{customdata[0]}<br><i>%{customdata[1]}</i><extra></extra>",
            )
        )
        spokes = np.full((len(neighbours) * 3, coords.shape[1]), np.nan, dtype=np.float32)
        spokes[0::3], spokes[1::3] = query_point, hood
        figure.add_trace(
            scatter(
                **_xyz(spokes),
                mode="lines",
                hoverinfo="skip",
                showlegend=False,
                line={"color": "#111", "width": 1},
            )
        )
        figure.add_trace(
            scatter(
                **_xyz(query_point[None, :]),
                mode="markers",
                name=here(sentence("your query")),
                marker={
                    "size": 12 if three_d else 20,
                    "color": "#111",
                    "symbol": "diamond" if three_d else "star",
                    "line": {"color": "#fff", "width": 1},
                },
                customdata=[[hover_text(query_text), "your query"]],
                hovertemplate="%{customdata[0]}<br><i>%{customdata[1]}</i><extra></extra>",
            )
        )
    axes = {
        f"{axis}axis": {"title": f"{axis_name} {n + 1}", "showticklabels": False, "zeroline": False}
        for n, axis in enumerate("xyz"[: coords.shape[1]])
    }
    figure.update_layout(
        title={"text": _title_markup(title), "font": {"size": 15}},
        template="plotly_white",
        height=600,
        margin={"l": 30, "r": 10, "t": 60, "b": 10},
        # Below the plot, so two maps side by side keep their width for points.
        legend={
            "itemsizing": "constant",
            "orientation": "h",
            "x": 0,
            "y": -0.08,
            "yanchor": "top",
        },
        hoverlabel={"align": "left"},
        uirevision=title,  # keep the user's zoom when only the highlight changes
    )
    if three_d:
        figure.update_layout(scene=axes)
    else:
        figure.update_layout(**axes)
    return figure


def _title_markup(title: str) -> str:
    """ "UMAP (cosine, ...)" -> method on one line, its settings smaller below (fits half width)."""
    method, _, settings = html.escape(title).partition(" (")
    return f"{method}<br><sup>({settings}</sup>" if settings else method


def _xyz(points: np.ndarray) -> dict[str, np.ndarray]:
    return {axis: points[:, n] for n, axis in enumerate("xyz"[: points.shape[1]])}
