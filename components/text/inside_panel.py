"""The Text tab's inside views, below the coloured output: branch from a picked token, sample N
continuations, and why this token. Layout and wiring only; the handlers are in
components/text/branch_handlers.py and why_handlers.py.

API: ``/branch_text``, ``/sample_texts`` and ``/explain_token`` (see the README).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.concurrency import SESSION_TTL, heavy
from components.errors import user_errors
from components.eta import counted
from components.text import branch_handlers as handlers
from components.text import why_handlers
from models.errors import InvalidInputError
from models.registry import Registry
from models.text.attribution import IG_STEPS, MAX_IG_STEPS, METHODS, MIN_IG_STEPS
from models.text.branching import DEFAULT_SAMPLES, MAX_SAMPLES, MIN_SAMPLES, branch_generation
from models.text.generation import SamplingSettings
from models.text.view_input import load_decoder
from models.zerogpu import gpu

WHY_TEXT, WHY_TARGET, WHY_CONTRAST = "The capital of France is", " Paris", " London"
BRANCH_COLOURS = {"branch point": "#f5b041", "after the branch": "#aed6f1"}


@dataclass
class InsidePanel:
    """Events the tab's one-click demos chain after generating (``.then`` keyword arguments)."""

    branch_demo: dict[str, Any]
    sample: dict[str, Any]
    why_text: dict[str, Any]


def build(
    registry: Registry,
    *,
    model: gr.Dropdown,
    prompt: gr.Textbox,
    chat: gr.Checkbox,
    settings: list[Any],
    tokens: gr.HighlightedText,
    records: gr.State,
    control: gr.State,
    default_model: str,
) -> InsidePanel:
    """Draw the views (call inside the tab's layout); ``settings`` are the sampler's six
    controls (temperature, top-k, top-p, max new tokens, repetition penalty, seed)."""
    picked_index = gr.State(None, time_to_live=SESSION_TTL)
    branch_result = gr.State(None, time_to_live=SESSION_TTL)  # for the exports
    why_result = gr.State(None, time_to_live=SESSION_TTL)
    with gr.Accordion("Branch from a token", open=True, elem_id="text-branch"):
        gr.Markdown(handlers.BRANCH_IDEA)
        picked = gr.Markdown(handlers.picked_markdown(None, None), elem_id="text-branch-picked")
        with gr.Row(equal_height=True):
            alternative = gr.Dropdown(
                [], value=None, label="Continue with", scale=3, elem_id="text-branch-alternative"
            )
            branch_button = gr.Button(
                "Branch from here", variant="primary", scale=1, elem_id="text-branch-run"
            )
        branch_summary = gr.Markdown("", elem_id="text-branch-summary")
        with gr.Row():
            original_view = gr.HighlightedText(
                label="Original",
                color_map=BRANCH_COLOURS,
                show_legend=False,
                show_inline_category=False,
                combine_adjacent=False,
                elem_id="text-branch-original",
            )
            branch_view = gr.HighlightedText(
                label="Branch",
                color_map=BRANCH_COLOURS,
                show_legend=True,
                show_inline_category=False,
                combine_adjacent=False,
                elem_id="text-branch-branch",
            )
        with gr.Row():
            branch_export = gr.Button("Export both texts (JSON)", size="sm", scale=1)
            branch_files = gr.File(label="Downloads", visible=False, scale=3)
    with gr.Accordion("Sample N: one prompt, consecutive seeds", open=True, elem_id="text-sample"):
        gr.Markdown(handlers.SAMPLE_IDEA)
        with gr.Row(equal_height=True):
            count = gr.Slider(
                MIN_SAMPLES,
                MAX_SAMPLES,
                DEFAULT_SAMPLES,
                step=1,
                precision=0,
                label="Continuations (N)",
                scale=3,
            )
            sample_button = gr.Button(
                "Sample N", variant="primary", scale=1, elem_id="text-sample-run"
            )
            sample_export = gr.Button("Export (CSV)", size="sm", scale=1)
        sample_summary = gr.Markdown("", elem_id="text-sample-summary")
        sample_table = gr.Dataframe(
            headers=handlers.SAMPLE_HEADERS,
            label="Continuations",
            interactive=False,
            wrap=True,
            elem_id="text-sample-table",
            column_widths=["10%", "60%", "10%", "10%", "10%"],
        )
        sample_files = gr.File(label="Downloads", visible=False, file_count="multiple")
    with gr.Accordion("Why this token? Integrated gradients", open=True, elem_id="text-why"):
        gr.Markdown(why_handlers.WHY_IDEA)
        with gr.Row():
            why_text = gr.Textbox(
                WHY_TEXT, label="Text before the token", scale=3, elem_id="text-why-text"
            )
            target = gr.Textbox(
                WHY_TARGET,
                label="Why this next token (empty: the model's top)",
                scale=1,
                elem_id="text-why-target",
            )
            contrast = gr.Textbox(
                WHY_CONTRAST, label="…rather than (optional)", scale=1, elem_id="text-why-contrast"
            )
        with gr.Row(equal_height=True):
            method = gr.Radio(list(METHODS), value=METHODS[0], label="Method", scale=2)
            steps = gr.Slider(
                MIN_IG_STEPS,
                MAX_IG_STEPS,
                IG_STEPS,
                step=1,
                precision=0,
                label="Integration steps",
                scale=2,
            )
            why_button = gr.Button("Explain", variant="primary", scale=1, elem_id="text-why-run")
            why_picked = gr.Button("Explain the token I picked", scale=1, elem_id="text-why-picked")
        why_summary = gr.Markdown("", elem_id="text-why-summary")
        why_tokens = gr.HighlightedText(
            label="Context tokens: red pushed towards the token, blue away",
            show_legend=False,
            combine_adjacent=False,
            elem_id="text-why-tokens",
        )
        why_plot = gr.Plot(label="Strongest tokens", elem_id="text-why-plot")
        with gr.Row():
            why_export = gr.Button("Export the scores (JSON)", size="sm", scale=1)
            why_files = gr.File(label="Downloads", visible=False, scale=3)

    # ---- branching --------------------------------------------------------------------------
    def on_pick(record_list: list, evt: gr.SelectData) -> tuple:
        index = evt.index if isinstance(evt.index, int) else None
        choices = handlers.alternative_choices(record_list, index)
        others = [c for c in choices if "(the original)" not in c[0]]
        value = (others or choices or [(None, None)])[0][1]
        return (
            index,
            handlers.picked_markdown(record_list, index),
            gr.Dropdown(choices, value=value),
        )

    tokens.select(
        on_pick,
        [records],
        [picked_index, picked, alternative],
        api_visibility="private",
        queue=False,
    )

    @user_errors
    @gpu
    def on_branch(
        session: dict,
        index: Any,
        alternative_id: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        progress(0.1, desc="Continuing from the alternative with the same seed…")
        return handlers.branch_from_run(registry, (session or {}).get("run"), index, alternative_id)

    branch_outputs = [branch_summary, original_view, branch_view, branch_result]
    branch_button.click(
        on_branch,
        [control, picked_index, alternative],
        branch_outputs,
        api_visibility="private",
        **heavy(),
    )

    @user_errors
    @gpu
    def on_branch_demo(session: dict, record_list: list) -> tuple:
        """The demo: branch at the first token the model was unsure of (below 50%)."""
        index, alternative_id = handlers.demo_branch_point(record_list)
        choices = handlers.alternative_choices(record_list, index)
        return (
            index,
            handlers.picked_markdown(record_list, index),
            gr.Dropdown(choices, value=alternative_id),
            *handlers.branch_from_run(registry, (session or {}).get("run"), index, alternative_id),
        )

    branch_demo = {
        "fn": on_branch_demo,
        "inputs": [control, records],
        "outputs": [picked_index, picked, alternative, *branch_outputs],
        "api_visibility": "private",
        **heavy(),
    }

    # ---- sample N ---------------------------------------------------------------------------
    @user_errors
    @gpu
    def on_sample(
        model_name: str,
        prompt_text: str,
        chat_mode: bool,
        *values: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        *sampler, n = values
        settings = SamplingSettings.checked(*sampler)
        progress(0.0, desc="Writing the first continuation…")
        samples = handlers.sample_texts(
            registry,
            model_name,
            prompt_text,
            chat_mode,
            settings,
            n,
            on_sample=counted(progress, "Sample N", "continuation"),
        )
        return handlers.sample_summary(samples, settings.temperature), handlers.sample_rows(samples)

    sample_kwargs = {
        "fn": on_sample,
        "inputs": [model, prompt, chat, *settings, count],
        "outputs": [sample_summary, sample_table],
        "api_visibility": "private",
        **heavy(),
    }
    sample_button.click(**sample_kwargs)
    sample_export.click(
        user_errors(handlers.samples_csv), [sample_table], sample_files, api_visibility="private"
    )

    # ---- why this token ---------------------------------------------------------------------
    @user_errors
    @gpu
    def on_why(
        model_name: str,
        text: str,
        target_text: str,
        contrast_text: str,
        how: str,
        count_steps: float,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        progress(0.0, desc="Integrating gradients along the path…")
        return why_handlers.why_outputs(
            why_handlers.explain_text(
                registry,
                model_name,
                text,
                target_text,
                contrast_text,
                how,
                count_steps,
                counted(progress, "Integrating gradients", "path point"),
            )
        )

    why_kwargs = {
        "fn": on_why,
        "inputs": [model, why_text, target, contrast, method, steps],
        "outputs": [why_summary, why_tokens, why_plot, why_result],
        "api_visibility": "private",
        **heavy(),
    }
    why_button.click(**why_kwargs)

    @user_errors
    @gpu
    def on_why_picked(
        session: dict,
        index: Any,
        contrast_text: str,
        how: str,
        count_steps: float,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        progress(0.0, desc="Integrating gradients along the path…")
        return why_handlers.why_outputs(
            why_handlers.explain_picked(
                registry,
                (session or {}).get("run"),
                index,
                contrast_text,
                how,
                count_steps,
                counted(progress, "Integrating gradients", "path point"),
            )
        )

    why_picked.click(
        on_why_picked,
        [control, picked_index, contrast, method, steps],
        [why_summary, why_tokens, why_plot, why_result],
        api_visibility="private",
        **heavy(),
    )
    for button, result, files, name in (
        (branch_export, branch_result, branch_files, "branch.json"),
        (why_export, why_result, why_files, "why-this-token.json"),
    ):
        button.click(
            user_errors(lambda payload, name=name: handlers.json_export(payload, name)),
            [result], files, api_visibility="private",
        )  # fmt: skip

    _register_api(registry, default_model)
    return InsidePanel(branch_demo=branch_demo, sample=sample_kwargs, why_text=why_kwargs)


def _register_api(registry: Registry, default_model: str) -> None:
    def name_of(model: Any) -> str:
        return model if isinstance(model, str) and model.strip() else default_model

    @user_errors
    @gpu
    def branch_text(
        prompt: str,
        token_ids: list[int],
        index: int,
        alternative_id: int,
        model: str = default_model,
        chat: bool = True,
        temperature: float = 0.7,
        top_k: int = 50,
        top_p: float = 0.9,
        max_new_tokens: int = 128,
        repetition_penalty: float = 1.1,
        seed: int = 0,
    ) -> dict:
        """Swap generated token ``index`` (from 0) of ``token_ids`` (the generated tokens of
        ``prompt`` under these settings and seed) for ``alternative_id``, one of the model's top
        alternatives there, and continue with the same seed: both texts, each with its total
        log-probability."""
        if seed is None or not isinstance(seed, int | float) or seed < 0:
            raise InvalidInputError("Give the seed the text was generated with (0 or more).")
        settings = SamplingSettings.checked(
            temperature, top_k, top_p, max_new_tokens, repetition_penalty, seed
        )
        _, lm = load_decoder(registry, name_of(model), "branching")
        branch = branch_generation(
            lm, prompt, settings, token_ids, index, alternative_id, chat=bool(chat)
        )
        return handlers.branch_payload(branch)

    @user_errors
    @gpu
    def sample_texts(
        prompt: str,
        n: int = DEFAULT_SAMPLES,
        model: str = default_model,
        chat: bool = True,
        temperature: float = 0.7,
        top_k: int = 50,
        top_p: float = 0.9,
        max_new_tokens: int = 64,
        repetition_penalty: float = 1.1,
        seed: int = 0,
    ) -> dict:
        """``n`` (2-8) continuations of one prompt with seeds seed, seed+1, ... (-1: random
        first seed): each text with its log-probability, and how many differ."""
        settings = SamplingSettings.checked(
            temperature, top_k, top_p, max_new_tokens, repetition_penalty, seed
        )
        samples = handlers.sample_texts(registry, name_of(model), prompt, chat, settings, n)
        return {
            "base_seed": samples.base_seed,
            "distinct": samples.distinct,
            "samples": [handlers.scored_payload(s) for s in samples.samples],
            "notice": samples.notice,
        }

    @user_errors
    @gpu
    def explain_token(
        text: str,
        target: str = "",
        contrast: str = "",
        model: str = default_model,
        method: str = METHODS[0],
        steps: int = IG_STEPS,
    ) -> dict:
        """Attribute the next token after ``text`` (``target``, or the model's top token when
        empty) to each token of ``text``; with ``contrast``, the logit difference target minus
        contrast. Methods: integrated-gradients (steps 4-128) or gradient-x-input."""
        result = why_handlers.explain_text(
            registry, name_of(model), text, target, contrast, method, steps
        )
        return why_handlers.attribution_payload(result)

    gr.api(branch_text, api_name="branch_text", **heavy())
    gr.api(sample_texts, api_name="sample_texts", **heavy())
    gr.api(explain_token, api_name="explain_token", **heavy())
