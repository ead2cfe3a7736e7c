"""The Text tab's inside views, below the coloured output: branch from a picked token, sample N
continuations, and why this token. Layout and wiring only; the handlers are in
components/text/branch_handlers.py and why_handlers.py.

API: ``/branch_text``, ``/sample_texts`` and ``/explain_token`` (see the README).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.concurrency import SESSION_TTL, heavy
from components.endpoints import endpoint
from components.errors import user_errors
from components.eta import counted
from components.text import branch_handlers as handlers
from components.text import why_handlers
from components.widgets import widgets
from models.errors import InvalidInputError
from models.registry import Registry
from models.text.attribution import AttributionSettings
from models.text.branching import SampleCount, branch_generation
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
    sampling: dict[str, gr.Component],
    tokens: gr.HighlightedText,
    records: gr.State,
    control: gr.State,
    default_model: str,
) -> InsidePanel:
    """Draw the views (call inside the tab's layout); ``sampling`` are the tab's sampling
    widgets by name (SamplingSettings)."""
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
            count = widgets(SampleCount, n={"scale": 3})["n"]
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
            attribution = widgets(
                AttributionSettings, method={"scale": 2}, integration_steps={"scale": 2}
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
        user_errors(on_pick),
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
    @gpu
    def on_sample(
        model: str,
        prompt: str,
        chat: bool,
        *,
        sampling: SamplingSettings,
        samples: SampleCount,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        progress(0.0, desc="Writing the first continuation…")
        found = handlers.sample_texts(
            registry, model, prompt, chat, sampling, samples.n,
            on_sample=counted(progress, "Sample N", "continuation"),
        )  # fmt: skip
        return handlers.sample_summary(found, sampling.temperature), handlers.sample_rows(found)

    sample_kwargs = {
        "fn": user_errors(endpoint(on_sample, sampling=SamplingSettings, samples=SampleCount)),
        "inputs_kwargs": {"model": model, "prompt": prompt, "chat": chat, **sampling, "n": count},
        "outputs": [sample_summary, sample_table],
        "api_visibility": "private",
        **heavy(),
    }
    sample_button.click(**sample_kwargs)
    sample_export.click(
        user_errors(handlers.samples_csv), [sample_table], sample_files, api_visibility="private"
    )

    # ---- why this token ---------------------------------------------------------------------
    def integrating(progress: gr.Progress) -> Callable[[int, int], None] | None:
        """The progress bar of an attribution: shown at once, moved by each path point."""
        progress(0.0, desc="Integrating gradients along the path…")
        return counted(progress, "Integrating gradients", "path point")

    @gpu
    def on_why(
        model: str,
        text: str,
        target: str,
        contrast: str,
        *,
        attribution: AttributionSettings,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        return why_handlers.why_outputs(
            why_handlers.explain_text(
                registry, model, text, target, contrast, attribution, integrating(progress)
            )
        )

    why_kwargs = {
        "fn": user_errors(endpoint(on_why, attribution=AttributionSettings)),
        "inputs_kwargs": {
            "model": model,
            "text": why_text,
            "target": target,
            "contrast": contrast,
            **attribution,
        },
        "outputs": [why_summary, why_tokens, why_plot, why_result],
        "api_visibility": "private",
        **heavy(),
    }
    why_button.click(**why_kwargs)

    @gpu
    def on_why_picked(
        session: dict,
        index: Any,
        *,
        attribution: AttributionSettings,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        run = (session or {}).get("run")
        return why_handlers.why_outputs(
            why_handlers.explain_picked(registry, run, index, attribution, integrating(progress))
        )

    why_picked.click(
        user_errors(endpoint(on_why_picked, attribution=AttributionSettings)),
        inputs_kwargs={
            "session": control,
            "index": picked_index,
            **attribution,
        },
        outputs=[why_summary, why_tokens, why_plot, why_result],
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


# The API's own defaults where a view differs from the Text tab's: a branch names the seed its
# text was written with; Sample N writes shorter texts from seed 0.
BRANCH_DEFAULTS = SamplingSettings(seed=0)
SAMPLE_DEFAULTS = SamplingSettings(max_new_tokens=64, seed=0)


def _register_api(registry: Registry, default_model: str) -> None:
    def name_of(model: Any) -> str:
        return model if isinstance(model, str) and model.strip() else default_model

    @gpu
    def branch_text(
        prompt: str,
        token_ids: list[int],
        index: int,
        alternative_id: int,
        model: str = default_model,
        chat: bool = True,
        *,
        sampling: SamplingSettings,
    ) -> dict:
        """Swap generated token ``index`` (from 0) of ``token_ids`` (the generated tokens of
        ``prompt`` under these settings and seed) for ``alternative_id``, one of the model's top
        alternatives there, and continue with the same seed: both texts, each with its total
        log-probability."""
        if sampling.seed is None:
            raise InvalidInputError("Give the seed the text was generated with (0 or more).")
        _, lm = load_decoder(registry, name_of(model), "branching")
        branch = branch_generation(
            lm, prompt, sampling, token_ids, index, alternative_id, chat=bool(chat)
        )
        return handlers.branch_payload(branch)

    @gpu
    def sample_texts(
        prompt: str,
        model: str = default_model,
        chat: bool = True,
        *,
        samples: SampleCount,
        sampling: SamplingSettings,
    ) -> dict:
        """``n`` (2-8) continuations of one prompt with seeds seed, seed+1, ... (-1: random
        first seed): each text with its log-probability, and how many differ."""
        found = handlers.sample_texts(registry, name_of(model), prompt, chat, sampling, samples.n)
        return {
            "base_seed": found.base_seed,
            "distinct": found.distinct,
            "samples": [handlers.scored_payload(s) for s in found.samples],
            "notice": found.notice,
        }

    @gpu
    def explain_token(
        text: str,
        target: str = "",
        contrast: str = "",
        model: str = default_model,
        *,
        attribution: AttributionSettings,
    ) -> dict:
        """Attribute the next token after ``text`` (``target``, or the model's top token when
        empty) to each token of ``text``; with ``contrast``, the logit difference target minus
        contrast. Methods: integrated-gradients (integration_steps 4-128) or gradient-x-input."""
        result = why_handlers.explain_text(
            registry, name_of(model), text, target, contrast, attribution
        )
        return why_handlers.attribution_payload(result)

    gr.api(user_errors(endpoint(branch_text, sampling=BRANCH_DEFAULTS)), api_name="branch_text",
           **heavy())  # fmt: skip
    gr.api(user_errors(endpoint(sample_texts, samples=SampleCount, sampling=SAMPLE_DEFAULTS)),
           api_name="sample_texts", **heavy())  # fmt: skip
    gr.api(user_errors(endpoint(explain_token, renamed={"steps": "integration_steps"},
                                attribution=AttributionSettings)),
           api_name="explain_token", **heavy())  # fmt: skip
