"""Handlers of the Attention tab's logit-lens view: the layer × token grid as a table (a table
cell can be clicked; a plotly figure in gr.Plot sends no click events), coloured by the top
guess's probability, the clicked cell's top 5, the API's payload and CSV. Layout is in
components/attention/inside_panel.py, the math in models/text/logit_lens.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components import exports
from components.attention.plots import FONT
from components.i18n import here
from models.registry import Registry
from models.sentences import paragraphs, sentence
from models.text.logit_lens import LogitLens, logit_lens

LENS_IDEA = (
    "**The logit lens.** Every layer refines one running vector per token. Push a layer's vector "
    "through the model's final norm and output layer as if it were the last layer, and you see "
    "the word that layer would predict next. Early layers guess common words; the real answer "
    "usually appears in the last third. Click a cell for its top 5."
)


def _cell_colour(probability: float) -> str:
    """Light to dark blue by probability; dark cells get white text."""
    shade = int(245 - 170 * min(max(probability, 0.0), 1.0))
    text = "white" if probability > 0.55 else "black"
    return f"background-color: rgb({shade}, {min(shade + 5, 250)}, 255); color: {text}"


def lens_frame(lens: LogitLens) -> pd.DataFrame:
    """Rows: layers (output first, as a reader scans from the answer down); columns: positions."""
    columns = [f"#{p} {label}" for p, label in enumerate(lens.labels)]
    order = list(range(lens.rows - 1, -1, -1))
    data = [
        [lens.row_names[r]]
        + [f"{lens.top_labels[r][p]} {lens.top_probs[r, p, 0]:.0%}" for p in range(lens.positions)]
        for r in order
    ]
    return pd.DataFrame(data, columns=["layer ↓ / token →", *columns])


def lens_table(lens: LogitLens) -> Any:
    """The grid, styled: each cell coloured by its top guess's probability."""
    frame = lens_frame(lens)
    order = list(range(lens.rows - 1, -1, -1))
    colours = [
        [""] + [_cell_colour(float(lens.top_probs[r, p, 0])) for p in range(lens.positions)]
        for r in order
    ]
    return frame.style.apply(lambda _: pd.DataFrame(colours, columns=frame.columns), axis=None)


def lens_row_of(lens: LogitLens, table_row: int) -> int:
    """The lens row shown at table row ``table_row`` (the table lists the output first)."""
    return lens.rows - 1 - table_row


def lens_summary(lens: LogitLens) -> str:
    last = lens.positions - 1
    out_row = lens.rows - 1
    first_right = next(
        (r for r in range(lens.rows) if lens.top_ids[r, last, 0] == lens.top_ids[out_row, last, 0]),
        out_row,
    )
    text = sentence(
        "{n} tokens × {rows} rows (the embeddings and {layers} layers) of {model}. After the last "
        "token the model predicts **{token}** ({probability}); the lens first shows it at "
        "**{row}**. Click any cell for its top 5.",
        n=lens.positions, rows=lens.rows, layers=lens.rows - 1, model=lens.model_name,
        token=repr(lens.top_labels[out_row][last]),
        probability=f"{lens.top_probs[out_row, last, 0]:.0%}", row=lens.row_names[first_right],
    )  # fmt: skip
    return paragraphs(text, lens.notice)


def show_lens(registry: Registry, model_name: str, text: str) -> tuple[LogitLens, str, Any]:
    lens = logit_lens(registry, model_name, text)
    return lens, lens_summary(lens), lens_table(lens)


def lens_cell(lens: LogitLens | None, index: Any) -> tuple[str, go.Figure | None]:
    """(title, top-5 bar chart) of the clicked cell; ``index`` is the table's [row, column]."""
    if lens is None or not isinstance(index, list | tuple) or len(index) != 2:
        return sentence("Show the logit lens, then click a cell of the grid for its top 5."), None
    table_row, column = int(index[0]), int(index[1])
    if column == 0:
        return sentence("Click a token's cell (not the layer's name) for its top 5."), None
    row, position = lens_row_of(lens, table_row), column - 1
    cells = lens.cell(row, position)
    labels = [repr(c.label) for c in cells][::-1]
    figure = go.Figure(
        go.Bar(
            x=[c.probability for c in cells][::-1],
            y=labels,
            orientation="h",
            marker_color="#1f618d",
            hovertemplate="%{y}: %{x:.2%}<extra></extra>",
        )
    )
    title = sentence(
        "**{row}**, after token {token} (#{index}): what comes next, if this layer were the last",
        row=lens.row_names[row],
        token=repr(lens.labels[position]),
        index=position,
    )
    figure.update_layout(
        title={
            "text": here(
                sentence("{row} · after #{index}", row=lens.row_names[row], index=position)
            ),
            "x": 0.01,
        },
        height=300,
        font=FONT,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis={"title": here(sentence("probability")), "tickformat": ".0%"},
        plot_bgcolor="white",
    )
    return title, figure


def lens_payload(lens: LogitLens) -> dict[str, Any]:
    """The API's answer: the grid's top 5 per cell (rows: embeddings, layer 1 … output)."""
    return {
        "model": lens.model_name,
        "tokens": list(lens.labels),
        "token_ids": list(lens.token_ids),
        "rows": list(lens.row_names),
        "top_ids": lens.top_ids.tolist(),
        "top_probabilities": np.round(lens.top_probs, 6).tolist(),
        "top_tokens": [list(row) for row in lens.top_labels],
        "total_tokens": lens.total_tokens,
        "notice": lens.notice,
    }


def lens_csv(lens: LogitLens | None) -> Any:
    if lens is None:
        return None
    folder = exports.export_dir("attention")
    rows = [
        [lens.row_names[r], p, lens.labels[p], k + 1, cell.label, f"{cell.probability:.6f}"]
        for r in range(lens.rows)
        for p in range(lens.positions)
        for k, cell in enumerate(lens.cell(r, p))
    ]
    header = ["layer", "position", "token", "rank", "next token", "probability"]
    return exports.shown([exports.write_csv(header, rows, folder / "logit-lens.csv")])
