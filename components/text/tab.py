"""Text tab: a language model writing token by token, and why it picks each token.

- Generate: streams text from the fast engine (llama.cpp in-process, or an OpenAI-compatible
  server: components/text/engine.py) or the exact fp32 path, with sampling controls and a Stop
  button; when it ends, the output is shown as tokens coloured by the probability the model gave
  each one, and selecting a token shows the alternatives at that position.
- Next-token explorer: the distribution over the next token before and after the sampler.
- "Use my fine-tuned model": the same generation with the LoRA adapter this session trained in
  the Fine-tune tab (models/finetune/tuned_generation.py); everyone else keeps the base model.

API: ``/generate_text`` (streams) and ``/token_probabilities``. Layout and wiring only: the
handlers (plain functions) are in components/text/handlers.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

import gradio as gr

from components.concurrency import heavy, text_engine
from components.demos import preset_bar
from components.endpoints import endpoint, old_names
from components.errors import user_errors
from components.tab_contract import EXPERT, BuiltTab
from components.text import branch_handlers, exports, inside_panel, plots
from components.text.engine import default_model, model_choices
from components.text.handlers import (
    PICK_HINT,
    SAMPLER,
    ExplorerView,
    arm_stop,
    generate_text,
    matching_preset,
    preset_sampling,
    session_adapter,
    show_alternatives,
    stop_generation,
    token_probabilities,
)
from components.text.presets import TEXT_PRESETS, text_demo
from components.widgets import widgets
from models.finetune.settings import TrainedAdapter
from models.finetune.training import ADAPTERS
from models.registry import Registry
from models.text.backends.selection import text_backend
from models.text.generation import MAX_PROMPT_CHARS, PRESETS, SamplingSettings
from models.zerogpu import gpu, on_zerogpu

# Chosen from 20 candidates, 3 seeds each, read by a person (the closing note of issue 28): the
# 135M model answers this one well on every seed; "why the sky is blue" gave jokes and errors.
DEFAULT_PROMPT = "Give me three tips for a good night's sleep."
INTRO = (
    "A language model writes one token at a time: it gives every token in its vocabulary a "
    "probability, and a **sampler** (temperature, top-k, top-p) picks one. Generate text, "
    "then click any token to see what else the model considered."
)
# What a 135M model can and cannot do, next to everything it writes.
CAVEAT = (
    "The default model is small (135M parameters): it writes fluent English and follows short "
    "instructions, but it often gets facts and arithmetic wrong and writes poorly in other "
    "languages. Check what it says; a colour shows how sure it was, not whether it is right. "
    "Where the model hub is reachable (a Space), larger models such as "
    "HuggingFaceTB/SmolLM2-1.7B-Instruct answer far better: add one with PLAYGROUND_MODELS."
)
FAST_LABELS = {
    "llamacpp": "llama.cpp in-process",
    "openai": "the inference server",
    "transformers": "none here (see above)",
}
EXPLORER_PROMPT = "The capital of France is"
# The endpoints' earlier parameter names, accepted (with a warning) until the next release.
RENAMED = {"model_name": "model", "prompt_text": "prompt", "chat_mode": "chat",
           "fast_path": "fast", "temperature_value": "temperature", "top_k_value": "top_k",
           "top_p_value": "top_p", "seed_value": "seed"}  # fmt: skip
RENAMED_EXPLORER = {
    **{old: new for old, new in RENAMED.items() if old not in ("fast_path", "seed_value")},
    "shown_count": "shown",
}


@dataclass(kw_only=True)
class TextTab(BuiltTab):
    """Handles the lead can wire across tabs (e.g. "Send to Attention")."""

    model: gr.Dropdown
    prompt: gr.Textbox
    output: gr.Textbox  # the generated text
    send_to_attention: gr.Button  # app.py wires it to the Attention tab
    use_tuned: gr.Checkbox  # "use my fine-tuned model"; the Fine-tune tab can tick it


def build(registry: Registry, finetune_session: gr.State | None = None) -> TextTab:
    """The tab's UI and events; ``finetune_session`` is the Fine-tune tab's per-session state,
    read when "Use my fine-tuned model" is ticked."""
    engine = text_backend(registry)  # llama.cpp in-process, a server, or transformers
    # The engine batches its users, so text it writes waits in a group of its own; when it does
    # not serve this registry's default model, text is written by transformers, a heavy job.
    served = engine.backend.kind != "transformers" and default_model(registry, engine) in (
        engine.backend.models()
    )
    writing = text_engine(engine.backend) if served else heavy()
    control = gr.State({})  # this session's stop event
    records = gr.State([])  # this session's per-token probabilities
    # Controls on the left, results on the right from the top of the tab: a demo's result is on
    # the first screen, also on a 1280×720 projector in presenter mode.
    with gr.Row(elem_classes=["tab-layout"]):
        with gr.Column(scale=2, min_width=300, elem_classes=["tab-controls"]):
            gr.Markdown(INTRO, elem_classes=["tab-intro"])
            demos = preset_bar("text", TEXT_PRESETS)
            model = gr.Dropdown(
                choices=model_choices(registry, engine),
                value=default_model(registry, engine),
                label="Model",
                elem_classes=[EXPERT],
            )
            gr.Markdown(engine.status, elem_id="text-engine", elem_classes=[EXPERT, "caveat"])
            chat = gr.Checkbox(
                True, label="Chat mode (use the model's chat template)", elem_classes=[EXPERT]
            )
            fast = gr.Checkbox(
                True, label=f"Fast engine: {FAST_LABELS[engine.backend.kind]} (off: exact fp32)",
                elem_classes=[EXPERT], elem_id="text-fast",
            )  # fmt: skip
            use_tuned = gr.Checkbox(
                False, label="Use my fine-tuned model (train one in the Fine-tune tab)",
                elem_id="text-use-tuned",
            )  # fmt: skip
            preset = gr.Radio(
                list(PRESETS), value="balanced", label="Sampler preset", elem_id="text-preset"
            )
            # Each sampling setting's default, range and label are declared once, beside the
            # code that reads them (models/text/generation.py SamplingSettings).
            sampling = widgets(
                SamplingSettings,
                top_k={"elem_classes": [EXPERT]},
                top_p={"elem_classes": [EXPERT]},
                repetition_penalty={"elem_classes": [EXPERT]},
                max_new_tokens={"elem_id": "text-max-new"},
                seed={"look": "number", "elem_id": "text-seed", "elem_classes": [EXPERT]},
            )  # fmt: skip
        with gr.Column(scale=3, min_width=320, elem_classes=["tab-results"]):
            prompt = gr.Textbox(
                DEFAULT_PROMPT, lines=2, max_lines=8, label="Prompt", elem_id="text-prompt",
                max_length=MAX_PROMPT_CHARS,
            )  # fmt: skip
            with gr.Row():
                generate_button = gr.Button("Generate", variant="primary", elem_id="text-generate")
                stop = gr.Button("Stop", variant="stop", elem_id="text-stop")
            output = gr.Textbox(
                lines=2, max_lines=12, label="Output (streams as it is written)",
                elem_id="text-output", interactive=False,
            )  # fmt: skip
            status = gr.Markdown(elem_id="text-status", label="Status")
            # For API callers: every token's id, text, probability and alternatives.
            token_data = gr.JSON(visible=False, label="Tokens")
            tokens = gr.HighlightedText(
                label="Why this token? Click one for its alternatives",
                color_map=plots.COLOR_MAP, show_legend=True, show_inline_category=False,
                combine_adjacent=False, elem_id="text-tokens",
            )  # fmt: skip
            gr.Markdown(CAVEAT, elem_classes=["caveat"], elem_id="text-caveat")
            picked = gr.Markdown(PICK_HINT, elem_id="text-picked")
            with gr.Row():
                alt_chart = gr.Plot(label="Alternatives", scale=1, elem_id="text-alt-chart")
                alt_table = gr.Dataframe(
                    headers=plots.TABLE_HEADERS, label="Alternatives",
                    interactive=False, elem_id="text-alternatives", scale=1,
                    column_widths=plots.TABLE_WIDTHS,
                )  # fmt: skip
            with gr.Row(equal_height=True):
                send_to_attention = gr.Button(
                    "See the attention behind this text →", size="sm",
                    elem_id="text-send-attention",
                )  # fmt: skip
            exports.export_row(
                records, prompt, {"model": model, "chat": chat, "fast": fast, **sampling}, status
            )
    inside = inside_panel.build(
        registry, model=model, prompt=prompt, chat=chat, tokens=tokens, records=records,
        control=control, default_model=default_model(registry, engine) or "", sampling=sampling,
    )  # fmt: skip
    with gr.Accordion(
        "Next-token explorer: the distribution before and after the sampler",
        elem_id="text-explorer",
    ):
        gr.Markdown(
            "The model's distribution over the **next** token after the prompt "
            "(chat mode off by default here: the raw continuation), before and after "
            "the sampler settings on the left. Lower temperature sharpens it; top-k "
            "and top-p cut its tail."
        )
        with gr.Row():
            explorer_chat = gr.Checkbox(False, label="Chat mode")
            shown = widgets(ExplorerView)["shown"]
            explore_button = gr.Button("Show next-token distribution", variant="primary")
        summary = gr.Markdown(elem_id="text-explorer-summary", label="Summary")
        with gr.Row():
            dist_chart = gr.Plot(
                label="Next-token distribution", scale=3, elem_id="text-explorer-chart"
            )
            dist_table = gr.Dataframe(
                headers=plots.TABLE_HEADERS, label="Top tokens",
                interactive=False, elem_id="text-explorer-table", scale=2,
                column_widths=plots.TABLE_WIDTHS,
            )  # fmt: skip

    @gpu
    def generate_on_device(
        *values: Any, control: dict[str, Any] | None, adapter: TrainedAdapter | None
    ) -> Iterator[Any]:
        yield from generate_text(registry, *values, control, adapter)

    def on_generate(
        model: str = default_model(registry, engine) or "",
        prompt: str = DEFAULT_PROMPT,
        chat: bool = True,
        fast: bool = True,
        *,
        sampling: SamplingSettings,
        use_finetuned: bool = False,
        session: dict[str, Any],
        tuned_session: Any = None,
    ) -> Iterator[tuple[Any, ...]]:
        sampling = replace(sampling, seed=branch_handlers.resolved_seed(sampling.seed))
        session.pop("run", None)  # what a branch reads: set again once this run has finished
        final: list[dict[str, Any]] = []
        # On ZeroGPU generation runs in a GPU worker process, which the Stop button's event
        # cannot reach (nor be pickled to): there the run ends at max_new_tokens.
        adapter = session_adapter(use_finetuned, tuned_session)
        # The fine-tuned model writing is in use: the server does not evict it meanwhile.
        key = getattr(tuned_session, "key", "") if adapter is not None else ""
        with ADAPTERS.using(key) if key else contextlib.nullcontext():
            for text_so_far, status_line, coloured, token_records in generate_on_device(
                model, prompt, chat, fast, sampling,
                control=None if on_zerogpu() else session, adapter=adapter,
            ):  # fmt: skip
                final = token_records
                # status_line is said in the page's language (components/errors.py user_errors)
                yield text_so_far, status_line, coloured, token_records, token_records
        if final and not use_finetuned:  # branching works on the base model
            session["run"] = branch_handlers.context_of_run(
                registry, model, prompt, chat, fast, sampling, final
            )

    # The API's names: one vocabulary with every endpoint (tests/test_api_names.py); the old
    # names keep working for one release, with a warning.
    old = old_names({**RENAMED, **RENAMED_EXPLORER})  # hidden: only API callers send them
    generate = user_errors(endpoint(on_generate, renamed=RENAMED, sampling=SamplingSettings))
    tuned_input = {"tuned_session": finetune_session} if finetune_session is not None else {}
    gen_inputs = {"model": model, "prompt": prompt, "chat": chat, "fast": fast, **sampling,
                  "use_finetuned": use_tuned, "session": control, **tuned_input,
                  **{name: old[name] for name in RENAMED}}  # fmt: skip
    gen_outputs = [output, status, tokens, records, token_data]

    def before_generating(control: dict[str, Any]) -> tuple[str, None, list]:
        arm_stop(control)  # a Stop from now on ends the coming run
        return PICK_HINT, None, []

    generate_button.click(
        user_errors(before_generating),
        inputs=[control],
        outputs=[picked, alt_chart, alt_table],
        api_visibility="private",
        queue=False,
    ).then(
        generate, inputs_kwargs=gen_inputs, outputs=gen_outputs, api_name="generate_text",
        **writing,
    )  # fmt: skip
    stop.click(stop_generation, [control], None, api_visibility="private", queue=False)
    tokens.select(
        user_errors(show_alternatives),
        [records],
        [picked, alt_chart, alt_table],
        api_visibility="private",
    )
    sampler = {name: sampling[name] for name in SAMPLER}

    def on_preset(name: str, **values: Any) -> dict[Any, Any]:
        chosen = preset_sampling(name, SamplingSettings(**values))
        if chosen is None:
            return {}
        return {sampler[key]: getattr(chosen, key) for key in SAMPLER}

    preset.input(
        on_preset, inputs_kwargs={"name": preset, **sampler}, outputs=list(sampler.values()),
        api_visibility="private", queue=False,
    )  # fmt: skip

    def on_slider(**values: Any) -> str | None:
        return matching_preset(SamplingSettings(**values))

    for slider in sampler.values():  # moved by hand: the radio names the preset it now matches
        slider.input(on_slider, inputs_kwargs=sampler, outputs=preset, api_visibility="private",
                     queue=False)  # fmt: skip

    @gpu
    def on_explore(
        model: str = default_model(registry, engine) or "",
        prompt: str = EXPLORER_PROMPT,
        chat: bool = False,
        *,
        sampling: SamplingSettings,
        view: ExplorerView,
    ) -> tuple[str, Any, list[list[str]]]:
        return token_probabilities(registry, model, prompt, chat, sampling, view)

    explore = user_errors(
        endpoint(on_explore, renamed=RENAMED_EXPLORER, sampling=(SamplingSettings, SAMPLER),
                 view=ExplorerView)
    )  # fmt: skip
    explore_inputs = {"model": model, "prompt": prompt, "chat": explorer_chat, **sampler,
                      "shown": shown, **{k: old[k] for k in RENAMED_EXPLORER}}  # fmt: skip
    explore_outputs = [summary, dist_chart, dist_table]
    explore_button.click(
        explore, inputs_kwargs=explore_inputs, outputs=explore_outputs,
        api_name="token_probabilities", **heavy(),
    )  # fmt: skip

    def refresh_explorer(shown_summary: str, **values: Any) -> Any:
        """Moving a sampler slider redraws the explorer once it has been used."""
        if not shown_summary:
            return gr.skip(), gr.skip(), gr.skip()
        return explore(**values)

    for control_input in (*sampler.values(), shown, explorer_chat):
        event = control_input.input if control_input is explorer_chat else control_input.release
        event(
            user_errors(refresh_explorer),
            inputs_kwargs={"shown_summary": summary, **explore_inputs}, outputs=explore_outputs,
            api_visibility="private", trigger_mode="always_last", **heavy(),
        )  # fmt: skip

    # One-click demos: fill the controls by name, then generate exactly as the Generate button
    # does.
    def apply_demo(slug: str) -> dict[Any, Any]:
        demo = text_demo(slug)
        values = {sampling[name]: value for name, value in asdict(demo.sampling).items()}
        return {prompt: demo.prompt, chat: demo.chat, **values,
                preset: matching_preset(demo.sampling)}  # fmt: skip

    ends = demos.wire(
        apply_demo,
        [prompt, chat, *sampling.values(), preset],
        then=[{"fn": generate, "inputs_kwargs": gen_inputs, "outputs": gen_outputs, **writing}],
    )
    views = {"branch": inside.branch_demo, "sample": inside.sample, "why": inside.why_text}
    for demo, end in zip(TEXT_PRESETS, ends, strict=True):  # a view's demo then runs the view
        if demo.slug in views:
            end.success(**views[demo.slug])
    return TextTab(
        model=model,
        prompt=prompt, output=output, send_to_attention=send_to_attention, use_tuned=use_tuned,
        presets=demos,
    )  # fmt: skip
