"""Text tab: a language model writing token by token, and why it picks each token.

- Generate: streams text from the fast int8 decode path with sampling controls and a Stop button;
  when it ends, the output is shown as tokens coloured by the probability the (fp32) model gave
  each one, and selecting a token shows the alternatives at that position.
- Next-token explorer: the distribution over the next token before and after the sampler.
- "Use my fine-tuned model": the same generation with the LoRA adapter this session trained in
  the Fine-tune tab (models/tuned_generation.py); everyone else keeps the base model.

API: ``/generate_text`` (streams) and ``/token_probabilities``. Model math is in
models/text_generation.py, models/next_token.py and models/fast_decode.py; presentation helpers
in components/text_view.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from components import text_export, text_view
from components.concurrency import heavy
from components.demo_presets import TEXT_PRESETS, apply_text
from components.errors import user_errors
from components.presenter import EXPERT, PresetBar, preset_bar
from models.causal_lm import CausalLM
from models.errors import InvalidInputError
from models.fast_decode import FastDecoder
from models.finetune import MAX_WALL_SECONDS, TrainedAdapter
from models.registry import Registry
from models.text_generation import (
    MAX_NEW_TOKENS,
    MAX_REPETITION_PENALTY,
    MAX_TEMPERATURE,
    MAX_TOP_K,
    PRESETS,
    SamplingSettings,
    generate,
    next_token_distribution,
    score_tokens,
)
from models.tuned_generation import generate_tuned
from models.validation import whole_number
from models.zerogpu import gpu, on_zerogpu

DEFAULT_PROMPT = "Explain in two sentences why the sky is blue."
EXPLORER_PROMPT = "The capital of France is"
MAX_SHOWN = 50


@dataclass(frozen=True)
class TextTab:
    """Handles the lead can wire across tabs (e.g. "Send to Attention")."""

    prompt: gr.Textbox
    output: gr.Textbox  # the generated text
    send_to_attention: gr.Button  # app.py wires it to the Attention tab
    use_tuned: gr.Checkbox  # "use my fine-tuned model"; the Fine-tune tab can tick it
    presets: PresetBar | None = None  # one-click demos (deep links apply them too)


def load_lm(registry: Registry, model_name: Any) -> CausalLM:
    if not isinstance(model_name, str) or not model_name:
        model_name = registry.default("causal-lm")
    return registry.load(model_name, kind="causal-lm")


def generate_text(
    registry: Registry,
    model_name: str,
    prompt: str,
    chat: bool,
    fast: bool,
    temperature: float,
    top_k: int,
    top_p: float,
    max_new_tokens: int,
    repetition_penalty: float,
    seed: int,
    control: dict[str, Any] | None = None,
    adapter: TrainedAdapter | None = None,
) -> Iterator[tuple[str, str, list[tuple[str, str]] | None, list[dict[str, Any]]]]:
    """Stream (text, status, coloured tokens, token records); ``seed`` -1 picks a random one.
    With ``adapter`` (this session's fine-tune) the tuned model writes instead of the base."""
    settings = SamplingSettings.checked(
        temperature, top_k, top_p, max_new_tokens, repetition_penalty, seed
    )
    if not isinstance(model_name, str) or not model_name:
        model_name = registry.default("causal-lm")
    if adapter is not None and adapter.base_model != model_name:
        raise InvalidInputError(
            f"Your fine-tuned model is {adapter.base_model} plus an adapter: pick "
            f"{adapter.base_model} as the model, or untick 'Use my fine-tuned model'."
        )
    lm = load_lm(registry, model_name)
    fast = bool(fast)
    stop = threading.Event()
    if control is not None:
        control["stop"] = stop  # the Stop button of this session sets it
    if adapter is not None:
        yield from generate_tuned_text(lm, adapter, prompt, settings, bool(chat), stop)
        return
    if not FastDecoder.is_built(lm.model, fast):
        yield "", "Preparing the fast decoder for this model (once per server)…", None, []
    run = None
    for run in generate(lm, prompt, settings, chat=bool(chat), fast=fast, stop=stop):
        if not run.finished:
            yield run.text, "Generating… " + text_view.status_line(run, fast), None, []
    assert run is not None
    status = text_view.status_line(run, fast)
    if not run.tokens:
        yield run.text, status + "\n\nThe model ended its answer at once.", [], []
        return
    yield run.text, status + "\n\nScoring tokens with the full-precision model…", None, []
    records = text_view.token_records(score_tokens(lm, run, settings), lm.tokenizer)
    yield run.text, status, text_view.highlighted(records), records


TUNED_PATH = "your fine-tuned model: base + LoRA adapter, exact fp32"


def generate_tuned_text(
    lm: CausalLM,
    adapter: TrainedAdapter,
    prompt: str,
    settings: SamplingSettings,
    chat: bool,
    stop: threading.Event,
) -> Iterator[tuple[str, str, list[tuple[str, str]] | None, list[dict[str, Any]]]]:
    """The same stream as ``generate_text``, written by this session's fine-tuned model."""
    run = None
    for update in generate_tuned(lm, adapter, prompt, settings, chat=chat, stop=stop):
        if update.waiting:
            yield "", (
                "Waiting: another user is fine-tuning on this server, and fine-tuned models "
                f"take turns with training. It ends within {MAX_WALL_SECONDS} s."
            ), None, []  # fmt: skip
        elif update.run is not None:
            run = update.run
            status = text_view.status_line(run, False).replace("fp32 path", TUNED_PATH)
            if not run.finished:
                yield run.text, "Generating… " + status, None, []
            elif not run.tokens:
                yield run.text, status + "\n\nThe model ended its answer at once.", [], []
            else:
                yield run.text, status + "\n\nScoring tokens with the fine-tuned model…", None, []
        elif update.scored is not None and run is not None:
            records = text_view.token_records(update.scored, lm.tokenizer)
            status = text_view.status_line(run, False).replace("fp32 path", TUNED_PATH)
            yield run.text, status, text_view.highlighted(records), records


def session_adapter(use_tuned: Any, finetune_session: Any) -> TrainedAdapter | None:
    """The adapter to generate with: None for the base model; an error when the box is ticked
    but this session has not fine-tuned anything yet."""
    if not use_tuned:
        return None
    adapter = getattr(finetune_session, "adapter", None)
    if not isinstance(adapter, TrainedAdapter):
        raise InvalidInputError(
            "You have no fine-tuned model in this session yet: train one in the Fine-tune tab, "
            "or untick 'Use my fine-tuned model'."
        )
    return adapter


def stop_generation(control: dict[str, Any] | None) -> None:
    """Ask this session's generation to stop; harmless when none runs or when pressed twice."""
    stop = (control or {}).get("stop")
    if stop is not None:
        stop.set()


def show_alternatives(
    records: list[dict[str, Any]] | None, evt: gr.SelectData
) -> tuple[str, Any, list[list[str]]]:
    index = evt.index if isinstance(evt.index, int) else -1
    if not records or not 0 <= index < len(records):
        return "Select a token in the coloured text to see its alternatives.", None, []
    record = records[index]
    rows = [tuple(row) for row in record["alternatives"]]
    chart = text_view.bar_chart(rows, f"Alternatives for token {index + 1}")  # type: ignore[arg-type]
    return (
        text_view.alternatives_title(record, index),
        chart,
        text_view.alternatives_table(record),
    )


def token_probabilities(
    registry: Registry,
    model_name: str,
    prompt: str,
    chat: bool,
    temperature: float,
    top_k: int,
    top_p: float,
    repetition_penalty: float,
    shown: int,
) -> tuple[str, Any, list[list[str]]]:
    """(summary, chart, table) of the next-token distribution before and after the sampler."""
    settings = SamplingSettings.checked(temperature, top_k, top_p, 1, repetition_penalty, None)
    count = whole_number("tokens shown", shown, 1, MAX_SHOWN)
    lm = load_lm(registry, model_name)
    distribution = next_token_distribution(lm, prompt, settings, chat=bool(chat))
    rows = text_view.distribution_rows(distribution, lm.tokenizer, count)
    chart = text_view.bar_chart(rows, "Next token: before vs after the sampler")
    table = [[token, text_view.percent(p), text_view.percent(ps)] for token, p, ps in rows]
    return text_view.distribution_summary(distribution), chart, table


def apply_preset(name: str) -> tuple[float, int, float, float]:
    preset = PRESETS.get(name, PRESETS["balanced"])
    return preset.temperature, preset.top_k, preset.top_p, preset.repetition_penalty


def build(registry: Registry, finetune_session: gr.State | None = None) -> TextTab:
    """The tab's UI and events; ``finetune_session`` is the Fine-tune tab's per-session state,
    read when "Use my fine-tuned model" is ticked."""
    gr.Markdown(
        "A language model writes one token at a time: it gives every token in its vocabulary a "
        "probability, and a **sampler** (temperature, top-k, top-p) picks one. Generate text, "
        "then click any token to see what else the model considered."
    )
    demos = preset_bar("text", TEXT_PRESETS)
    balanced = PRESETS["balanced"]
    control = gr.State({})  # this session's stop event
    records = gr.State([])  # this session's per-token probabilities
    with gr.Row():
        with gr.Column(scale=2, min_width=280):
            model = gr.Dropdown(
                choices=registry.choices("causal-lm"),
                value=registry.default("causal-lm") if registry.names("causal-lm") else None,
                label="Model",
                elem_classes=[EXPERT],
            )
            chat = gr.Checkbox(
                True, label="Chat mode (use the model's chat template)", elem_classes=[EXPERT]
            )
            fast = gr.Checkbox(
                True, label="Fast int8 decoding (off: exact fp32)", elem_classes=[EXPERT]
            )
            use_tuned = gr.Checkbox(
                False, label="Use my fine-tuned model (train one in the Fine-tune tab)",
                elem_id="text-use-tuned",
            )  # fmt: skip
            preset = gr.Radio(list(PRESETS), value="balanced", label="Preset")
            temperature = gr.Slider(
                0, MAX_TEMPERATURE, balanced.temperature, step=0.05,
                label="Temperature (0 = greedy)",
            )  # fmt: skip
            top_k = gr.Slider(0, MAX_TOP_K, balanced.top_k, step=1, label="Top-k (0 = off)",
                              elem_classes=[EXPERT])  # fmt: skip
            top_p = gr.Slider(0.01, 1, balanced.top_p, step=0.01, label="Top-p (1 = off)",
                              elem_classes=[EXPERT])  # fmt: skip
            repetition = gr.Slider(
                1, MAX_REPETITION_PENALTY, balanced.repetition_penalty, step=0.05,
                label="Repetition penalty (1 = off)", elem_classes=[EXPERT],
            )  # fmt: skip
            max_new = gr.Slider(
                1, MAX_NEW_TOKENS, 128, step=1, label="Max new tokens", elem_id="text-max-new"
            )
            seed = gr.Number(
                -1, precision=0, label="Seed (-1 = random; the seed used is shown)",
                minimum=-1, maximum=2**32 - 1, elem_id="text-seed", elem_classes=[EXPERT],
            )  # fmt: skip
        with gr.Column(scale=5):
            prompt = gr.Textbox(
                DEFAULT_PROMPT, lines=3, label="Prompt", elem_id="text-prompt", max_length=20_000
            )
            with gr.Column():
                with gr.Column():
                    with gr.Row():
                        generate_button = gr.Button(
                            "Generate", variant="primary", elem_id="text-generate"
                        )
                        stop = gr.Button("Stop", variant="stop", elem_id="text-stop")
                    output = gr.Textbox(
                        lines=6, label="Output (streams as it is written)",
                        elem_id="text-output", interactive=False,
                    )  # fmt: skip
                    status = gr.Markdown(elem_id="text-status")
                    send_to_attention = gr.Button(
                        "See the attention behind this text →", size="sm",
                        elem_id="text-send-attention",
                    )  # fmt: skip
                    gr.Markdown(
                        "### Why this token?\nEach token coloured by the probability the "
                        "full-precision model gave it. **Click a token** to see the alternatives."
                    )
                    tokens = gr.HighlightedText(
                        label="Output tokens", color_map=text_view.COLOR_MAP, show_legend=True,
                        show_inline_category=False, combine_adjacent=False,
                        elem_id="text-tokens",
                    )  # fmt: skip
                    picked = gr.Markdown(
                        "Select a token in the coloured text to see its alternatives.",
                        elem_id="text-picked",
                    )
                    with gr.Row():
                        alt_chart = gr.Plot(label="Alternatives", scale=3, elem_id="text-alt-chart")
                        alt_table = gr.Dataframe(
                            headers=text_view.TABLE_HEADERS, label="Alternatives",
                            interactive=False, elem_id="text-alternatives", scale=2,
                            column_widths=text_view.TABLE_WIDTHS,
                        )  # fmt: skip
                    text_export.export_row(
                        records, prompt, {"model": model, "chat": chat, "fast": fast,
                                          "temperature": temperature, "top_k": top_k,
                                          "top_p": top_p, "max_new_tokens": max_new,
                                          "repetition_penalty": repetition, "seed": seed},
                        status,
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
                        shown = gr.Slider(5, MAX_SHOWN, 15, step=1, label="Tokens shown")
                        explore = gr.Button("Show next-token distribution", variant="primary")
                    summary = gr.Markdown(elem_id="text-explorer-summary")
                    with gr.Row():
                        dist_chart = gr.Plot(
                            label="Next-token distribution", scale=3, elem_id="text-explorer-chart"
                        )
                        dist_table = gr.Dataframe(
                            headers=text_view.TABLE_HEADERS, label="Top tokens",
                            interactive=False, elem_id="text-explorer-table", scale=2,
                            column_widths=text_view.TABLE_WIDTHS,
                        )  # fmt: skip

    settings = [temperature, top_k, top_p, max_new, repetition, seed]

    @gpu
    def generate_on_device(
        *values: Any, control: dict[str, Any] | None, adapter: TrainedAdapter | None
    ) -> Iterator[Any]:
        yield from generate_text(registry, *values, control, adapter)

    @user_errors
    def on_generate(
        model_name: str,
        prompt_text: str,
        chat_mode: bool,
        fast_path: bool,
        temperature_value: float,
        top_k_value: int,
        top_p_value: float,
        max_new_tokens: int,
        repetition_penalty: float,
        seed_value: int,
        use_finetuned: bool,
        session: dict[str, Any],
        tuned_session: Any = None,
    ) -> Iterator[tuple[str, str, Any, list[dict[str, Any]]]]:
        # On ZeroGPU generation runs in a GPU worker process, which the Stop button's event
        # cannot reach (nor be pickled to): there the run ends at max_new_tokens.
        yield from generate_on_device(
            model_name, prompt_text, chat_mode, fast_path, temperature_value, top_k_value,
            top_p_value, max_new_tokens, repetition_penalty, seed_value,
            control=None if on_zerogpu() else session,
            adapter=session_adapter(use_finetuned, tuned_session),
        )  # fmt: skip

    tuned_input = [finetune_session] if finetune_session is not None else []
    gen_inputs = [model, prompt, chat, fast, *settings, use_tuned, control, *tuned_input]
    gen_outputs = [output, status, tokens, records]
    generate_button.click(
        lambda: ("Select a token in the coloured text to see its alternatives.", None, []),
        outputs=[picked, alt_chart, alt_table],
        api_visibility="private",
        queue=False,
    ).then(
        on_generate, gen_inputs, gen_outputs, api_name="generate_text", **heavy()
    )  # fmt: skip
    stop.click(stop_generation, [control], None, api_visibility="private", queue=False)
    tokens.select(
        show_alternatives, [records], [picked, alt_chart, alt_table], api_visibility="private"
    )
    preset.change(
        apply_preset, [preset], [temperature, top_k, top_p, repetition], api_visibility="private"
    )

    @user_errors
    @gpu
    def on_explore(
        model_name: str,
        prompt_text: str,
        chat_mode: bool,
        temperature_value: float,
        top_k_value: int,
        top_p_value: float,
        repetition_penalty: float,
        shown_count: int,
    ) -> tuple[str, Any, list[list[str]]]:
        return token_probabilities(
            registry, model_name, prompt_text, chat_mode, temperature_value, top_k_value,
            top_p_value, repetition_penalty, shown_count,
        )  # fmt: skip

    explore_inputs = [model, prompt, explorer_chat, temperature, top_k, top_p, repetition, shown]
    explore_outputs = [summary, dist_chart, dist_table]
    explore.click(
        on_explore, explore_inputs, explore_outputs, api_name="token_probabilities", **heavy()
    )

    def refresh_explorer(shown_summary: str, *values: Any) -> Any:
        """Moving a sampler slider redraws the explorer once it has been used."""
        if not shown_summary:
            return gr.skip(), gr.skip(), gr.skip()
        return on_explore(*values)

    for control_input in (temperature, top_k, top_p, repetition, shown, explorer_chat):
        event = control_input.input if control_input is explorer_chat else control_input.release
        event(
            refresh_explorer, [summary, *explore_inputs], explore_outputs,
            api_visibility="private", trigger_mode="always_last", **heavy(),
        )  # fmt: skip
    # One-click demos: fill the controls, then generate exactly as the Generate button does.
    demos.wire(
        apply_text,
        [prompt, chat, temperature, top_k, top_p, repetition, max_new, seed],
        then=[{"fn": on_generate, "inputs": gen_inputs, "outputs": gen_outputs, **heavy()}],
    )
    return TextTab(
        prompt=prompt, output=output, send_to_attention=send_to_attention, use_tuned=use_tuned,
        presets=demos,
    )  # fmt: skip
