"""The Attention tab's inside views, under its heatmaps: one head's arithmetic (for the layer and
head on the tab's sliders and the token-focus token) and the logit lens (what every layer would
predict next). Layout and wiring only; the handlers are in components/attention/
arithmetic_handlers.py and lens_handlers.py.

Both read the tab's settings by name: which head (``HeadChoice``) and, as the arithmetic's query,
the token in focus (``AttentionDisplay.focus``; the API's ``query``, ``ArithmeticQuery``).

API: ``/head_arithmetic`` (text, model, layer, head, query) and ``/logit_lens`` (text, model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.attention import arithmetic_handlers, lens_handlers
from components.attention.handlers import AttentionDisplay
from components.concurrency import SESSION_TTL, heavy
from components.endpoints import endpoint
from components.errors import user_errors
from models.attention.extraction import HeadChoice
from models.attention.head_arithmetic import LAST, ArithmeticQuery
from models.registry import Registry
from models.text.logit_lens import LOGIT_LENS_TOKEN_CAP, logit_lens
from models.zerogpu import gpu


@dataclass
class InsidePanel:
    """The two views' events (keyword arguments for ``.then``), for the tab's one-click demos."""

    arithmetic: dict[str, Any]
    lens: dict[str, Any]


def build(
    registry: Registry,
    model: gr.Dropdown,
    text: gr.Textbox,
    extracted: gr.State,
    heads: dict[str, gr.Slider],
    focus: gr.Dropdown,
    default_model: str,
) -> InsidePanel:
    """Draw both views (call inside the tab's layout) and wire them to the tab's controls:
    ``heads`` are its ``HeadChoice`` sliders by name, ``focus`` its token in focus."""
    with gr.Accordion(
        "One head's arithmetic: q·k, ÷√d, softmax, weighted sum",
        open=True,
        elem_id="attention-arithmetic",
    ):
        gr.Markdown(arithmetic_handlers.ARITHMETIC_IDEA)
        gr.Markdown(
            "It uses the **layer** and **head** sliders above and the **Token** of the token "
            "focus as the query. Needs a decoder (SmolLM2).",
            elem_classes=["caveat"],
        )
        with gr.Row():
            show_arithmetic = gr.Button(
                "Show the arithmetic", variant="primary", elem_id="attention-arithmetic-run"
            )
            arithmetic_export = gr.Button("Export the numbers (CSV)", size="sm")
        arithmetic_summary = gr.Markdown("", elem_id="attention-arithmetic-summary")
        with gr.Row():
            arithmetic_plot = gr.Plot(
                label="Scores and weights", elem_id="attention-arithmetic-plot"
            )
            arithmetic_table = gr.Dataframe(
                headers=arithmetic_handlers.ARITHMETIC_HEADERS,
                label="Step by step, per key token",
                interactive=False,
                elem_id="attention-arithmetic-table",
                max_height=520,
            )
        arithmetic_files = gr.File(label="Downloads", visible=False, file_count="multiple")
    with gr.Accordion(
        "The logit lens: what each layer would predict next", open=True, elem_id="attention-lens"
    ):
        gr.Markdown(lens_handlers.LENS_IDEA)
        gr.Markdown(
            f"It reads the text above (up to {LOGIT_LENS_TOKEN_CAP} tokens) with the decoder. "
            "Each cell: the top next-token guess after that token, at that layer, and its "
            "probability (darker = surer).",
            elem_classes=["caveat"],
        )
        with gr.Row():
            show_lens = gr.Button(
                "Show the logit lens", variant="primary", elem_id="attention-lens-run"
            )
            lens_export = gr.Button("Export the grid (CSV)", size="sm")
        lens_summary = gr.Markdown("", elem_id="attention-lens-summary")
        lens_grid = gr.Dataframe(
            label="Layer × token: top next-token guess (click a cell)",
            interactive=False,
            elem_id="attention-lens-grid",
            max_height=560,
            wrap=False,
        )
        cell_title = gr.Markdown(
            "Show the logit lens, then click a cell of the grid for its top 5.",
            elem_id="attention-lens-cell",
        )
        cell_plot = gr.Plot(label="Top 5 of the clicked cell", elem_id="attention-lens-cell-plot")
        lens_files = gr.File(label="Downloads", visible=False, file_count="multiple")
    lens_state = gr.State(None, time_to_live=SESSION_TTL)

    @gpu
    def on_arithmetic(
        extracted_now: Any = None,
        model: str = default_model,
        text: str = "",
        *,
        choice: HeadChoice,
        display: AttentionDisplay,
    ) -> tuple:
        # the token in focus is the query; none yet: the last token
        query = ArithmeticQuery(query=LAST if display.focus is None else display.focus)
        return arithmetic_handlers.show_arithmetic(
            registry, extracted_now, model, text, choice=choice, query=query
        )

    arithmetic = user_errors(
        endpoint(on_arithmetic, choice=HeadChoice, display=(AttentionDisplay, ("focus",)))
    )
    arithmetic_kwargs = {
        "fn": arithmetic,
        "inputs_kwargs": {"extracted_now": extracted, "model": model, "text": text, **heads,
                          "focus": focus},
        "outputs": [arithmetic_summary, arithmetic_plot, arithmetic_table],
        "api_visibility": "private",
        **heavy(),
    }  # fmt: skip
    show_arithmetic.click(**arithmetic_kwargs)

    def follow(summary: str, **values: Any) -> tuple:
        """Moving a slider or the focus token redraws the arithmetic once it is shown."""
        if not summary:
            return gr.skip(), gr.skip(), gr.skip()
        return arithmetic(**values)

    for control in (*heads.values(), focus):
        control.input(
            user_errors(follow),
            inputs_kwargs={"summary": arithmetic_summary, **arithmetic_kwargs["inputs_kwargs"]},
            outputs=arithmetic_kwargs["outputs"],
            api_visibility="private",
            trigger_mode="always_last",
            show_progress="hidden",
            **heavy(),
        )

    def export_numbers(rows: Any, *, choice: HeadChoice) -> Any:
        return arithmetic_handlers.arithmetic_csv(rows, choice)

    arithmetic_export.click(
        user_errors(endpoint(export_numbers, choice=HeadChoice)),
        inputs_kwargs={"rows": arithmetic_table, **heads},
        outputs=arithmetic_files,
        api_visibility="private",
    )

    @user_errors
    @gpu
    def on_lens(
        model: str = default_model,
        text: str = "",
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        progress(0.2, desc="One pass through the model, then every layer's guess…")
        lens, summary, table = lens_handlers.show_lens(registry, model, text)
        title, _ = lens_handlers.lens_cell(None, None)
        return lens, summary, table, title, None

    lens_kwargs = {
        "fn": on_lens,
        "inputs_kwargs": {"model": model, "text": text},
        "outputs": [lens_state, lens_summary, lens_grid, cell_title, cell_plot],
        "api_visibility": "private",
        **heavy(),
    }
    show_lens.click(**lens_kwargs)

    def on_cell(lens: Any, evt: gr.SelectData) -> tuple:
        return lens_handlers.lens_cell(lens, evt.index)

    lens_grid.select(
        user_errors(on_cell), [lens_state], [cell_title, cell_plot], api_visibility="private"
    )
    lens_export.click(
        user_errors(lens_handlers.lens_csv), [lens_state], lens_files, api_visibility="private"
    )

    @gpu
    def head_arithmetic_api(
        text: str, model: str = default_model, *, choice: HeadChoice, query: ArithmeticQuery
    ) -> dict:
        """One head's attention computed step by step for one query token: q, the keys and
        values it sees, q·k, the scaled scores, the softmax weights (the heatmap's row) and the
        weighted sum. Layers, heads and tokens count from 0; query -1 is the last token."""
        name = model if isinstance(model, str) and model.strip() else default_model
        result = arithmetic_handlers.arithmetic_of(registry, name, text, choice, query)
        return arithmetic_handlers.arithmetic_payload(result)

    @user_errors
    @gpu
    def logit_lens_api(text: str, model: str = default_model) -> dict:
        """The logit lens of a text: for every layer (rows: embeddings, layer 1 … the output)
        and every token, the top 5 next-token guesses with their probabilities. The last row
        is the model's own next-token distribution."""
        name = model if isinstance(model, str) and model.strip() else default_model
        return lens_handlers.lens_payload(logit_lens(registry, name, text))

    gr.api(
        user_errors(endpoint(head_arithmetic_api, choice=HeadChoice, query=ArithmeticQuery)),
        api_name="head_arithmetic", **heavy(),
    )  # fmt: skip
    gr.api(logit_lens_api, api_name="logit_lens", **heavy())
    return InsidePanel(arithmetic=arithmetic_kwargs, lens=lens_kwargs)
