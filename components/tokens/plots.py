"""Drawing the tokenizer lens: each tokenizer's tokens as chips (pure formatting of
models/text/tokenizer_lens.py's result into escaped HTML), the summary table, and a bar chart of
how many tokens each tokenizer needs for the same sentence in five forms.

Every piece of the user's text is HTML-escaped: a token is shown as text, never as markup.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from components.i18n import here
from models.sentences import sentence
from models.text.tokenizer_lens import LensResult, TokenizerView

# Two alternating backgrounds so neighbouring tokens are told apart; red for pieces the model
# cannot read whole (part of a character, unknown), grey for tokens the tokenizer adds.
CHIP_COLOURS = ("#dbeafe", "#fef3c7")
SUMMARY_HEADERS = ["Tokenizer", "Tokens", "Characters per token", "Vocabulary", "Kind", "Notes"]


def _chip(token, index: int) -> str:
    colour = CHIP_COLOURS[index % 2]
    kind = "tok"
    if token.special:
        colour, kind = "#e5e7eb", "tok special"
    elif token.partial or token.unknown or token.byte_fallback:
        colour, kind = "#fecaca", "tok partial"
    hint = f"id {token.token_id} · stored as {token.raw}"
    if token.partial:
        hint += f" · part of {token.character}"
    shown = token.label
    if token.unknown:  # the model sees only "unknown": say so, and which text it stands for
        shown, hint = f"{token.label}→{token.raw}", hint + f" · stands for {token.text}"
    return (
        f'<span class="{kind}" style="background:{colour}" title="{html.escape(hint)}">'
        f"{html.escape(shown)}<sub>{token.token_id}</sub></span>"
    )


def view_html(view: TokenizerView, text: str) -> str:
    title = f"<b>{html.escape(view.label)}</b>"
    if not view.available:
        return f'<div class="lens-row">{title}: {html.escape(view.notice)}</div>'
    count = f"{view.count} tokens · {view.chars_per_token(text):.2f} characters per token"
    chips = "".join(_chip(token, i) for i, token in enumerate(view.tokens))
    notice = f"<div>{html.escape(view.notice)}</div>" if view.notice else ""
    return (
        f'<div class="lens-row" data-tokenizer="{html.escape(view.key)}">{title} · {count}'
        f'<div class="lens-chips">{chips}</div>{notice}</div>'
    )


def lens_html(result: LensResult) -> str:
    rows = "".join(view_html(view, result.text) for view in result.views)
    notice = f"<p>{html.escape(result.notice)}</p>" if result.notice else ""
    return f'<div id="lens-tokens">{notice}{rows}</div>'


def summary_rows(result: LensResult) -> list[list[object]]:
    return [
        [
            view.label,
            view.count if view.available else "—",
            round(view.chars_per_token(result.text), 2) if view.available else "—",
            f"{view.vocab_size:,}" if view.vocab_size else "—",
            view.family,
            view.notice or view.licence,
        ]
        for view in result.views
    ]


def counts_figure(counts: dict[str, dict[str, int]]) -> go.Figure:
    """Grouped bars: for each form of the sentence (x), the tokens each tokenizer needs."""
    figure = go.Figure()
    forms = list(next(iter(counts.values()), {}))
    for tokenizer, by_form in counts.items():
        figure.add_bar(name=tokenizer, x=forms, y=[by_form[f] for f in forms])
    figure.update_layout(
        barmode="group",
        title=here(sentence("The same sentence, five ways: tokens needed")),
        yaxis_title=here(sentence("tokens")),
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 50, "r": 10, "t": 50, "b": 10},
        height=420,
    )
    return figure
