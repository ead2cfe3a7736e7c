"""Attention tab: which tokens each token looks at, per layer and head, in a decoder and an encoder.

The model runs once per text (models/attention/extraction.py); the result lives in the session's
``gr.State``, so moving between layers, heads and views only redraws
(components/attention/handlers.py turns the stored weights into figures). ``build`` returns
AttentionTab, whose ``wire_send`` lets another tab send its text here with one click.

Which head (``HeadChoice``) and how it is shown (``AttentionDisplay``) are settings declared
once (models/attention/extraction.py, components/attention/handlers.py): the sliders, radios and
the token focus are drawn from them, and events are wired by those names.

API: ``/attention`` (text, model, layer, head) -> that head's matrix and the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components import exports
from components.attention import handlers, inside_panel
from components.attention.handlers import AttentionDisplay
from components.attention.presets import INSIDE_PRESETS, PRESETS, preset_by_slug, tab_presets
from components.concurrency import SESSION_TTL, heavy
from components.demos import preset_bar
from components.endpoints import endpoint
from components.errors import user_errors
from components.tab_contract import EXPERT, BuiltTab
from components.widgets import values_for, widgets
from models.attention.cache import AttentionCache
from models.attention.extraction import (
    TOKEN_CAP,
    AttentionResult,
    HeadChoice,
    attention_model_choices,
    check_text,
    extract_attention,
)
from models.errors import InvalidInputError
from models.registry import Registry
from models.validation import shown_value
from models.zerogpu import gpu

# Until a model has run, the sliders span SmolLM2's 30 layers and 9 heads (the default decoder);
# each run sets them to the model's own.
SHOWN_LAYERS, SHOWN_HEADS = 30, 9

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

    @gpu
    def extract(
        model: str,
        text: str,
        focus_hint: str,
        *,
        choice: HeadChoice,
        display: AttentionDisplay,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        progress(0.1, desc="Running the model once, with attention weights…")
        result = cache.get(
            model, check_text(text), lambda: extract_attention(registry, model, text)
        )
        # keep the user's layer and head when the new model has them
        layer_now = min(choice.layer, result.layers - 1)
        head_now = min(choice.head, result.heads - 1)
        position = handlers.pick_focus(result, focus_hint or "", display.focus)
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
            # Each setting's default, range and label are declared once (HeadChoice,
            # AttentionDisplay); here only how each looks. The page opens on the first demo's
            # head.
            display = widgets(AttentionDisplay, only=("view",))
            with gr.Row():
                heads = widgets(
                    HeadChoice,
                    layer={"maximum": SHOWN_LAYERS - 1, "value": first.heads.layer,
                           "elem_id": "attention-layer"},
                    head={"maximum": SHOWN_HEADS - 1, "value": first.heads.head,
                          "elem_id": "attention-head"},
                )  # fmt: skip
        with gr.Column(scale=3, min_width=320, elem_classes=["tab-results"]):
            main_plot = gr.Plot(label="Attention", elem_id="attention-main")
            gr.Markdown(
                "Rows: the token that looks; columns: what it looks at. Hover a cell for the exact "
                "weight. *Save picture (PNG)* below saves it as a picture.",
                elem_classes=["attention-note"],
            )
    with gr.Row():
        with gr.Column(scale=2):
            display |= widgets(
                AttentionDisplay, only=("score",),
                score={"elem_classes": [EXPERT], "elem_id": "attention-score", "look": "radio"},
            )  # fmt: skip
            top_heads = gr.Markdown("")
        with gr.Column(scale=3):
            overview_plot = gr.Plot(label="Every layer × head", elem_id="attention-overview")
    gr.Markdown("### Token focus: what one token looks at in every layer")
    with gr.Row():
        # the tokens are the text's: none until the model has run
        display |= widgets(
            AttentionDisplay, only=("focus", "focus_mode"),
            focus={"look": "dropdown", "choices": [], "scale": 3, "elem_id": "attention-focus"},
            focus_mode={"scale": 2, "elem_classes": [EXPERT]},
        )  # fmt: skip
    focus = display["focus"]
    focus_plot = gr.Plot(label="Token focus", elem_id="attention-focus-plot")
    inside = inside_panel.build(registry, model, text, result_state, heads, focus, default_model)
    with gr.Row():
        with gr.Column(scale=1, min_width=200):
            export = gr.Button("Export view (HTML) and matrix (CSV, JSON)", size="sm")
            exports.png_button("attention-main", "attention")
        files = gr.File(  # shown once there is something to download
            label="Downloads", file_count="multiple", scale=3, visible=False,
            elem_id="attention-files",
        )  # fmt: skip

    def render_all(
        result: AttentionResult | None = None,
        *,
        display: AttentionDisplay,
        choice: HeadChoice,
    ) -> tuple:
        over, top = handlers.overview(result, display, choice)
        return (
            handlers.main_figure(result, display, choice),
            over,
            top,
            handlers.focus_figure(result, display, choice),
        )

    def drawn(fn: Any, shown: tuple[str, ...] = tuple(AttentionDisplay.declared())) -> Any:
        """``fn`` of the result, with the display's ``shown`` settings and the head checked."""
        return user_errors(endpoint(fn, display=(AttentionDisplay, shown), choice=HeadChoice))

    def on(*names: str) -> dict[str, Any]:
        """The inputs of a redraw: the result, the ``names`` of the display, the head."""
        return {"result": result_state, **{n: display[n] for n in names}, **heads}

    extract_kwargs = {
        "fn": user_errors(endpoint(extract, choice=HeadChoice,
                                   display=(AttentionDisplay, ("focus",)))),
        "inputs_kwargs": {"model": model, "text": text, "focus_hint": focus_hint, **heads,
                          "focus": focus},
        "outputs": [result_state, summary, heads["layer"], heads["head"], focus, focus_hint],
        "api_visibility": "private",
        **heavy(),  # runs the model; redraws below only read the session's result
    }  # fmt: skip
    render_kwargs = {
        "fn": drawn(render_all),
        "inputs_kwargs": on(*display),
        "outputs": [main_plot, overview_plot, top_heads, focus_plot],
        "show_progress": "hidden",
        "api_visibility": "private",
    }
    # Picking another model re-runs the text through it at once: nothing else to press.
    for trigger in (run.click, text.submit, model.input):
        trigger(**extract_kwargs).success(**render_kwargs)

    # What a demo sets by name: the model, the text, the head and how it is shown (the token in
    # focus follows the demo's token, found once the model has run).
    shown = {name: display[name] for name in ("view", "score", "focus_mode")}

    def apply_preset(slug: str | None) -> dict[Any, Any]:
        chosen = preset_by_slug(slug or "")
        if chosen is None:
            raise InvalidInputError(
                f"Unknown preset {shown_value(slug)}: pick one of the demo buttons."
            )
        sliders = {slider: gr.Slider(value=value, maximum=max(value, 1))  # within the new range
                   for slider, value in values_for(heads, chosen.heads).items()}  # fmt: skip
        return {model: chosen.model, text: chosen.text, **sliders,
                **values_for(shown, chosen.display), focus_hint: chosen.focus_token}  # fmt: skip

    # One-click demos: set model, text, head and view, run the model once, draw every view.
    ends = demos.wire(
        apply_preset,
        [model, text, *heads.values(), *shown.values(), focus_hint],
        then=[extract_kwargs, render_kwargs],
    )
    views = {"head-arithmetic": inside.arithmetic, "logit-lens": inside.lens}
    for preset, end in zip(presets, ends, strict=True):  # an inside view's demo also runs it
        if preset.slug in views:
            end.success(**views[preset.slug])

    def main_only(result: AttentionResult | None = None, *, display, choice) -> Any:
        return handlers.main_figure(result, display, choice)

    def overview_only(result: AttentionResult | None = None, *, display, choice) -> Any:
        return handlers.overview(result, display, choice)

    def focus_only(result: AttentionResult | None = None, *, display, choice) -> Any:
        return handlers.focus_figure(result, display, choice)

    redraw = {"show_progress": "hidden", "api_visibility": "private"}
    display["view"].input(
        drawn(main_only, ("view",)), inputs_kwargs=on("view"), outputs=main_plot, **redraw
    )
    for slider in heads.values():
        slider.input(**render_kwargs)  # the overview outlines the head
    display["score"].input(
        drawn(overview_only, ("score",)), inputs_kwargs=on("score"),
        outputs=[overview_plot, top_heads], **redraw,
    )  # fmt: skip
    for control in (focus, display["focus_mode"]):
        control.input(
            drawn(focus_only, ("focus", "focus_mode")), inputs_kwargs=on("focus", "focus_mode"),
            outputs=focus_plot, **redraw,
        )  # fmt: skip

    def export_view(result: AttentionResult | None = None, *, display, choice) -> gr.File:
        return gr.File(value=handlers.export_files(result, display, choice), visible=True)

    export.click(
        drawn(export_view, ("view",)), inputs_kwargs=on("view"), outputs=files,
        api_visibility="private",
    )  # fmt: skip

    @gpu
    def attention(text: str, model: str = default_model, *, choice: HeadChoice) -> dict:
        """One head's attention matrix for a text: tokens, and matrix[query][key] (rows sum to 1).
        Layers and heads count from 0; text is cut to the token cap (see token_cap, kept_text)."""
        if model is not None and not isinstance(model, str):
            raise InvalidInputError(
                f"The model must be a name (a string), not {shown_value(model)}."
            )
        name = model.strip() if model and model.strip() else default_model
        text = check_text(text)
        result = cache.get(name, text, lambda: extract_attention(registry, name, text))
        return handlers.api_payload(result, choice)

    gr.api(user_errors(endpoint(attention, choice=HeadChoice)), api_name="attention", **heavy())
    return AttentionTab(
        text=text, model=model, presets=demos, _extract=extract_kwargs, _render=render_kwargs
    )
