"""Tokens tab: the first step of pre-processing, text into tokens, for several tokenizers side by
side (the decoder's BPE, MiniLM's WordPiece, GPT-4o, GPT-4 and Llama 3 vocabularies shipped
offline). Handlers are components/tokens/handlers.py; the lens is models/text/tokenizer_lens.py.

API: ``/tokenizer_lens`` (text, tokenizers) -> tokens as HTML, a summary table, a chart, a CSV.
"""

from __future__ import annotations

import gradio as gr

from components.demos import preset_bar
from components.errors import user_errors
from components.tab_contract import BuiltTab
from components.tokens.handlers import default_tokenizers, run_lens, tokenizer_choices
from components.tokens.plots import SUMMARY_HEADERS
from components.tokens.presets import TOKENS_PRESETS, apply_tokens
from models.registry import Registry
from models.text.tokenizer_lens import LENS_CHAR_CAP, MAX_LENS_TOKENIZERS, SAMPLES

INTRO = (
    "Before a model reads anything, a **tokenizer** cuts the text into pieces from a fixed "
    "vocabulary and turns each piece into a number (its id). Models only ever see those numbers. "
    "Different models cut the same text differently, and that changes what they cost and what "
    "they can tell apart. Spaces show as ␣, new lines as ↵; red pieces are parts of a character "
    "(bytes) or pieces the tokenizer does not know."
)


def build(registry: Registry) -> BuiltTab:
    choices = tokenizer_choices(registry)
    with gr.Row(equal_height=False, elem_classes=["tab-layout"]):
        with gr.Column(scale=2, min_width=320, elem_classes=["tab-controls"]):
            gr.Markdown(INTRO, elem_classes=["tab-intro"])
            bar = preset_bar("tokens", TOKENS_PRESETS)
            text = gr.Textbox(
                SAMPLES["English"], label=f"Text (up to {LENS_CHAR_CAP:,} characters)", lines=3,
                elem_id="tokens-text",
            )  # fmt: skip
            tokenizers = gr.CheckboxGroup(
                choices, value=default_tokenizers(registry),
                label=f"Tokenizers to compare (1 to {MAX_LENS_TOKENIZERS})",
                elem_id="tokens-tokenizers",
            )  # fmt: skip
            go_button = gr.Button("Split into tokens", variant="primary", elem_id="tokens-go")
        with gr.Column(scale=3, min_width=400, elem_classes=["tab-results"]):
            tokens = gr.HTML("", elem_id="tokens-view")
            summary = gr.Dataframe(
                headers=SUMMARY_HEADERS, label="Per tokenizer", interactive=False,
                elem_id="tokens-summary", wrap=True,
            )  # fmt: skip
            chart = gr.Plot(label="The same sentence, five ways", elem_id="tokens-chart")
            download = gr.File(label="All tokens (CSV)", interactive=False, elem_id="tokens-csv")

    @user_errors
    def split(text: str = SAMPLES["English"], tokenizers: list[str] | None = None):
        return run_lens(registry, text, tokenizers)

    run = {"fn": split, "inputs": [text, tokenizers],
           "outputs": [tokens, summary, chart, download]}  # fmt: skip
    gr.on(
        [go_button.click, text.submit],
        **run,
        api_name="tokenizer_lens",
        api_description="Split a text with several tokenizers: tokens with ids (HTML), a "
        "summary per tokenizer, a chart of five sample sentences, and a CSV of every token.",
    )
    bar.wire(apply_tokens, [text], [{**run, "concurrency_id": "tokens-demos"}])

    @user_errors
    def live(text: str, tokenizers: list[str] | None):
        """As you type (and on page load, so the first screen shows tokens): a few ms a call.
        A box emptied mid-edit is not an error, only a hint."""
        if not (text or "").strip() or not tokenizers:
            return "Type a text and tick at least one tokenizer.", [], None, None
        return split(text, tokenizers)

    gr.on(None, live, [text, tokenizers], run["outputs"], api_visibility="private",
          trigger_mode="always_last", show_progress="hidden")  # fmt: skip
    return BuiltTab(presets=bar)
