"""Fine-tune tab exports: the loss curve as a picture (PNG, made in the browser by plotly) and as
an interactive page (HTML), the before/after comparison as CSV, and the whole run as JSON.

``export_run`` is a plain function of the session (components/finetune/session.py TuneSession) and
the comparison table; ``export_row`` lays out and wires the buttons inside the tab's build.
"""

from __future__ import annotations

import html
import math
from typing import Any

import gradio as gr
import plotly.graph_objects as go

from components import exports
from components.errors import user_errors
from models.errors import InvalidInputError

COMPARISON_HEADER = ["prompt", "base_model", "fine_tuned", "expected"]


def loss_curve(losses: list[float], title: str, held_out: Any = ()) -> go.Figure:
    figure = go.Figure(go.Scatter(x=list(range(1, len(losses) + 1)), y=losses,
                                  mode="lines+markers", name="training loss"))  # fmt: skip
    if held_out:
        figure.add_trace(go.Scatter(x=[s for s, _ in held_out], y=[v for _, v in held_out],
                                    mode="lines+markers", name="held-out loss"))  # fmt: skip
    figure.update_layout(
        title=title, xaxis_title="step", yaxis_title="loss", template="plotly_white"
    )
    return figure


def export_run(session: Any, table: Any) -> list[str]:
    """HTML loss curve, CSV comparison and JSON report of the session's last fine-tune."""
    adapter = getattr(session, "adapter", None)
    if adapter is None:
        raise InvalidInputError("Nothing to export yet: fine-tune a model first.")
    folder = exports.export_dir("finetune")
    source = str(getattr(session, "source", "") or "your data")
    held_out = list(getattr(adapter, "held_out", []) or [])  # empty when none was measured
    page = exports.write_html(
        loss_curve(
            adapter.losses,
            f"Fine-tuning on {html.escape(source, quote=False)}: training and held-out loss "
            "per step",
            held_out,
        ),
        folder / "finetune-loss.html",
    )
    rows = [[str(cell) for cell in row] for row in exports.table_rows(table)]
    comparison = exports.write_csv(COMPARISON_HEADER, rows, folder / "finetune-comparison.csv")
    before, after = session.loss_before, session.loss_after
    report = {
        "data": source,
        "base_model": adapter.base_model,
        "steps": adapter.steps,
        "seconds": round(adapter.seconds, 2),
        "stopped": adapter.stopped,
        "lora": {k: v for k, v in adapter.config.items() if isinstance(v, int | float | str)},
        "training_loss": adapter.losses,
        "held_out_curve": [[step, loss] for step, loss in held_out],
        "held_out_curve_examples": getattr(adapter, "held_out_examples", 0),
        "kept_step": getattr(adapter, "kept_step", adapter.steps),
        "held_out": {
            "loss_before": before,
            "loss_after": after,
            "perplexity_before": math.exp(before) if before is not None else None,
            "perplexity_after": math.exp(after) if after is not None else None,
        },
        "comparison": [dict(zip(COMPARISON_HEADER, row, strict=False)) for row in rows],
    }
    data = exports.write_json(report, folder / "finetune-report.json")
    return [str(page), str(comparison), str(data)]


def export_row(session: Any, table: Any) -> None:
    """The export buttons under the comparison (call inside the tab's build)."""
    with gr.Row(equal_height=True):
        with gr.Column(scale=1, min_width=200):
            button = gr.Button("Export loss curve (HTML) and results (CSV, JSON)", size="sm",
                               elem_id="finetune-export")  # fmt: skip
            exports.png_button("finetune-loss", "finetune-loss")
        files = exports.files_box("finetune-export-files")
    button.click(
        user_errors(lambda s, t: exports.shown(export_run(s, t))), [session, table], files,
        api_visibility="private",
    )  # fmt: skip
