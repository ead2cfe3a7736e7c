"""Attention tab: which tokens each token looks at, per layer and head, in a decoder and an encoder.

The model runs once per text (models/attention/extraction.py); the result lives in the session's
``gr.State``, so moving between layers, heads and views only redraws
(components/attention/handlers.py turns the stored weights into figures). ``build`` returns
AttentionTab, whose ``wire_send`` lets another tab send its text here with one click.

API: ``/attention`` (text, model, layer, head) -> that head's matrix and the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components import exports
from components.attention import handlers, inside_panel
from components.attention.presets import INSIDE_PRESETS, PRESETS, preset_by_slug, tab_presets
from components.concurrency import SESSION_TTL, heavy
from components.errors import user_errors
from components.presenter import EXPERT, BuiltTab, preset_bar
from models.attention import stats
from models.attention.cache import AttentionCache
from models.attention.extraction import (
    TOKEN_CAP,
    AttentionResult,
    attention_model_choices,
    check_text,
    extract_attention,
)
from models.errors import InvalidInputError
from models.registry import Registry
from models.validation import whole_number
from models.zerogpu import gpu

MAX_INDEX = 10_000  # a layer or head slider's value before the new model's range clamps it

INTRO = (
    "Self-attention is how a transformer mixes information between tokens: every token (a "
    "**row**) spreads a total weight of 1 over the tokens it looks at (the **columns**). A model "
    "has many such *heads* in every *layer*, and they learn different jobs. Pick a preset, or type "
    f"a text (up to **{TOKEN_CAP} tokens**; longer text is cut and the kept part is shown) and "
    "press *Show attention*."
)


@dataclass(kw_only=True)
class AttentionTab(BuiltTab):
    """Handles for wiring across tabs (see wire_send)."""

    text: gr.Textbox
    model: gr.Dropdown
    _extract: dict[str, Any]
    _render: dict[str, Any]

    def wire_send(
        self,
        trigger: gr.Button,
        source_text: gr.Textbox,
        tabs: gr.Tabs,
        source_model: gr.Dropdown | None = None,
    ) -> None:
        """Clicking ``trigger`` copies ``source_text`` here (and the model that wrote it, when
        this tab can show that model), opens this tab and shows the text's attention."""
        known = {name for _, name in self.model.choices}

        def send(text: str, model: str | None = None) -> tuple:
            return text, model if model in known else gr.skip(), gr.Tabs(selected="attention")

        inputs = [source_text] + ([source_model] if source_model is not None else [])
        trigger.click(
            send, inputs=inputs, outputs=[self.text, self.model, tabs], api_visibility="private"
        ).then(**self._extract).success(**self._render)


def build(registry: Registry) -> AttentionTab:
    cache = AttentionCache()
    choices = attention_model_choices(registry)
    names = [name for _, name in choices]
    # The default decoder when there is one; a registry without decoders still gets a tab.
    default_model = registry.default("causal-lm") if "causal-lm" in {
        registry.spec(n).kind for n in names
    } else (names[0] if names else "")  # fmt: skip
    # only presets whose model is here
    presets = [p for p in PRESETS + INSIDE_PRESETS if p.model in names]
    first = PRESETS[1]  # the decoder example: a sensible text to start from

    @user_errors
    @gpu
    def extract(
        model: str, text: str, layer: float, head: float, focus_hint: str, focus: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:  # fmt: skip
        progress(0.1, desc="Running the model once, with attention weights…")
        result = cache.get(
            model, check_text(text), lambda: extract_attention(registry, model, text)
        )
        layer_now = min(
            whole_number("Layer", layer, 0, MAX_INDEX), result.layers - 1
        )  # keep the user's head and layer
        head_now = min(
            whole_number("Head", head, 0, MAX_INDEX), result.heads - 1
        )  # when the new model has them
        position = handlers.pick_focus(result, focus_hint or "", focus)
        return (
            result,
            handlers.summary_markdown(result),
            gr.Slider(maximum=result.layers - 1, value=layer_now),
            gr.Slider(maximum=result.heads - 1, value=head_now),
            gr.Dropdown(choices=handlers.focus_choices(result), value=position),
            "",
        )

    # Up to 18 MB per session (every layer and head for 128 tokens): dropped after an hour unused.
    result_state = gr.State(None, time_to_live=SESSION_TTL)
    focus_hint = gr.State("")
    with gr.Row(equal_height=False, elem_classes=["tab-layout"]):
        with gr.Column(scale=2, min_width=320, elem_classes=["tab-controls"]):
            gr.Markdown(INTRO, elem_classes=["tab-intro"])
            demos = preset_bar("attention", tab_presets(presets))
            model = gr.Dropdown(
                choices, value=default_model or None, label="Model", elem_classes=[EXPERT]
            )
            text = gr.Textbox(
                value=first.text, lines=3, max_lines=8, label=f"Text (up to {TOKEN_CAP} tokens)",
                elem_id="attention-text",
            )  # fmt: skip
            run = gr.Button("Show attention", variant="primary")
            summary = gr.Markdown("", elem_id="attention-summary")
            view = gr.Radio(list(handlers.VIEWS), value=handlers.VIEWS[0], label="View")
            with gr.Row():
                layer = gr.Slider(0, 29, value=first.layer, step=1, label="Layer",
                                  elem_id="attention-layer")  # fmt: skip
                head = gr.Slider(0, 8, value=first.head, step=1, label="Head",
                                 elem_id="attention-head")  # fmt: skip
        with gr.Column(scale=3, min_width=320, elem_classes=["tab-results"]):
            main_plot = gr.Plot(label="Attention", elem_id="attention-main")
            gr.Markdown(
                "Rows: the token that looks; columns: what it looks at. Hover a cell for the exact "
                "weight. *Save picture (PNG)* below saves it as a picture.",
                elem_classes=["attention-note"],
            )
    with gr.Row():
        with gr.Column(scale=2):
            score = gr.Radio(
                list(stats.HEAD_SCORES), value="previous token", label="Overview score",
                elem_classes=[EXPERT], elem_id="attention-score",
            )  # fmt: skip
            top_heads = gr.Markdown("")
        with gr.Column(scale=3):
            overview_plot = gr.Plot(label="Every layer × head", elem_id="attention-overview")
    gr.Markdown("### Token focus: what one token looks at in every layer")
    with gr.Row():
        focus = gr.Dropdown([], value=None, label="Token", scale=3, elem_id="attention-focus")
        focus_mode = gr.Radio(
            list(handlers.FOCUS_MODES), value=handlers.FOCUS_MODES[1], label="Heads", scale=2,
            elem_classes=[EXPERT],
        )  # fmt: skip
    focus_plot = gr.Plot(label="Token focus", elem_id="attention-focus-plot")
    inside = inside_panel.build(registry, model, text, result_state, layer, head, focus,
                                default_model)  # fmt: skip
    with gr.Row():
        with gr.Column(scale=1, min_width=200):
            export = gr.Button("Export view (HTML) and matrix (CSV, JSON)", size="sm")
            exports.png_button("attention-main", "attention")
        files = gr.File(  # shown once there is something to download
            label="Downloads", file_count="multiple", scale=3, visible=False,
            elem_id="attention-files",
        )  # fmt: skip

    def render_all(result: AttentionResult | None, view_name: str, lay: float, hd: float,
                   score_name: str, position: Any, mode: str) -> tuple:  # fmt: skip
        over, top = handlers.overview(result, score_name, lay, hd)
        return (
            handlers.main_figure(result, view_name, lay, hd),
            over,
            top,
            handlers.focus_figure(result, position, mode, hd),
        )

    extract_kwargs = {
        "fn": extract,
        "inputs": [model, text, layer, head, focus_hint, focus],
        "outputs": [result_state, summary, layer, head, focus, focus_hint],
        "api_visibility": "private",
        **heavy(),  # runs the model; redraws below only read the session's result
    }
    render_kwargs = {
        "fn": user_errors(render_all),
        "inputs": [result_state, view, layer, head, score, focus, focus_mode],
        "outputs": [main_plot, overview_plot, top_heads, focus_plot],
        "show_progress": "hidden",
        "api_visibility": "private",
    }
    # Picking another model re-runs the text through it at once: nothing else to press.
    for trigger in (run.click, text.submit, model.input):
        trigger(**extract_kwargs).success(**render_kwargs)

    def apply_preset(slug: str | None) -> tuple:
        chosen = preset_by_slug(slug or "")
        if chosen is None:
            raise InvalidInputError(f"Unknown preset {slug!r}: pick one of the demo buttons.")
        return (
            chosen.model,
            chosen.text,
            gr.Slider(value=chosen.layer, maximum=max(chosen.layer, 1)),
            gr.Slider(value=chosen.head, maximum=max(chosen.head, 1)),
            chosen.view,
            chosen.focus_token,
            chosen.score,
        )

    # One-click demos: set model, text, head and view, run the model once, draw every view.
    ends = demos.wire(
        apply_preset,
        [model, text, layer, head, view, focus_hint, score],
        then=[extract_kwargs, render_kwargs],
    )
    views = {"head-arithmetic": inside.arithmetic, "logit-lens": inside.lens}
    for preset, end in zip(presets, ends, strict=True):  # an inside view's demo also runs it
        if preset.slug in views:
            end.success(**views[preset.slug])

    main_only = {
        "fn": user_errors(lambda r, v, lay, hd: handlers.main_figure(r, v, lay, hd)),
        "inputs": [result_state, view, layer, head],
        "outputs": main_plot,
        "show_progress": "hidden",
        "api_visibility": "private",
    }
    view.input(**main_only)
    for slider in (layer, head):
        slider.input(**render_kwargs)  # the overview outlines the head
    score.input(
        user_errors(handlers.overview),
        inputs=[result_state, score, layer, head],
        outputs=[overview_plot, top_heads],
        show_progress="hidden",
        api_visibility="private",
    )
    for control in (focus, focus_mode):
        control.input(
            user_errors(handlers.focus_figure),
            inputs=[result_state, focus, focus_mode, head],
            outputs=focus_plot,
            show_progress="hidden",
            api_visibility="private",
        )
    export.click(
        user_errors(lambda *args: gr.File(value=handlers.export_files(*args), visible=True)),
        inputs=[result_state, view, layer, head],
        outputs=files,
        api_visibility="private",
    )

    @user_errors
    @gpu
    def attention(text: str, model: str = default_model, layer: int = 0, head: int = 0) -> dict:
        """One head's attention matrix for a text: tokens, and matrix[query][key] (rows sum to 1).
        Layers and heads count from 0; text is cut to the token cap (see token_cap, kept_text)."""
        if model is not None and not isinstance(model, str):
            raise InvalidInputError(f"The model must be a name (a string), not {model!r}.")
        name = model.strip() if model and model.strip() else default_model
        text = check_text(text)
        result = cache.get(name, text, lambda: extract_attention(registry, name, text))
        return handlers.api_payload(result, layer, head)

    gr.api(attention, api_name="attention", **heavy())
    return AttentionTab(
        text=text, model=model, presets=demos, _extract=extract_kwargs, _render=render_kwargs
    )
