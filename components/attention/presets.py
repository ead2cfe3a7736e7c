"""Presets for the Attention tab: texts and heads that show something striking.

Every head named here was found by measuring (tests/test_attention_views.py checks
that each still shows its effect), not guessed: e.g. for the pronoun preset, layer 3 head 1 of
all-MiniLM-L6-v2 is the head where 'it' puts the most weight on 'animal' (0.68), and it does the
same for 'The trophy didn't fit in the suitcase because it was too big.' (0.58 on 'trophy').
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.attention.handlers import AttentionDisplay
from components.demos import TabPreset
from models.attention.extraction import HeadChoice
from models.builtin import MINILM, SMOLLM2

# Sixteen distinct words, then the same words again: a decoder can only predict the second half
# by finding the earlier copy of the current word and copying the word that followed it.
INDUCTION_WORDS = (
    "candle meadow orbit cloud marble forest window apple river tiger violin piano copper "
    "silver lantern pepper"
)


@dataclass(frozen=True)
class Preset:
    """A demo: the model and text, the head it opens on and how it is shown (settings objects,
    set by name: what a demo does not name keeps its declared default)."""

    slug: str  # the name a deep link uses: ?tab=attention&preset=pronoun
    name: str
    model: str
    text: str
    heads: HeadChoice
    focus_token: str  # label (stripped, lower case) of the token the focus plot starts on
    explanation: str
    # the view, and the overview's score: the one that finds this head
    display: AttentionDisplay = field(default_factory=AttentionDisplay)


PRESETS = (
    Preset(
        slug="pronoun",
        name="Pronoun → referent (encoder)",
        model=MINILM,
        text="The animal didn't cross the street because it was too tired.",
        heads=HeadChoice(layer=3, head=1),
        focus_token="it",
        explanation=(
            "In all-MiniLM-L6-v2, layer 3 head 1 links the pronoun **it** to **animal** (row "
            "'it': about 0.68 of its attention). Change the text to *The trophy didn't fit in "
            "the suitcase because it was too big.* and the same head points 'it' at 'trophy'."
        ),
        display=AttentionDisplay(score="entropy"),
    ),
    Preset(
        slug="previous-token",
        name="Previous-token head (decoder)",
        model=SMOLLM2,
        text=(
            "Alice met Bob at the station. Later, Alice thanked Bob for the lift, and Alice waved."
        ),
        heads=HeadChoice(layer=16, head=0),
        focus_token="thanked",
        explanation=(
            "In SmolLM2, layer 16 head 0 looks mostly at the token right before each token: a "
            "bright line just below the diagonal. Open the overview with the *previous token* "
            "score to find the other heads that do this (layer 11 head 1, layer 1 head 2, ...)."
        ),
    ),
    Preset(
        slug="induction",
        name="Induction head: copying a repeat (decoder)",
        model=SMOLLM2,
        text=f"{INDUCTION_WORDS}. {INDUCTION_WORDS}.",
        heads=HeadChoice(layer=18, head=6),
        focus_token="",
        explanation=(
            "The words repeat. In the second copy, layer 18 head 6 of SmolLM2 attends from each "
            "word to the word that came *after* its first occurrence: a stripe parallel to the "
            "diagonal, one repeat length back. That is how a model continues a pattern it has "
            "seen earlier in the text (an *induction head*)."
        ),
        display=AttentionDisplay(score="induction"),
    ),
)


# Demos of the inside views (components/attention/inside_panel.py): after the heatmaps, the tab
# runs the view the slug names. Kept apart from PRESETS, whose effects tests/test_attention_views.py
# measures head by head.
INSIDE_PRESETS = (
    Preset(
        slug="head-arithmetic",
        name="One head's arithmetic (decoder)",
        model=SMOLLM2,
        text=PRESETS[1].text,
        heads=HeadChoice(layer=16, head=0),
        focus_token="thanked",
        explanation=(
            "Layer 16 head 0 of SmolLM2, query **thanked**: below the heatmaps, the q·k score of "
            "every earlier token, scaled by 1/√64, the softmax (nearly all weight on the token "
            "just before) and the heatmap's own row beside it: the same numbers."
        ),
    ),
    Preset(
        slug="logit-lens",
        name="Logit lens: when does the answer appear? (decoder)",
        model=SMOLLM2,
        text="The Eiffel Tower is in the city of Paris. The Colosseum is in the city of",
        heads=HeadChoice(layer=16, head=0),
        focus_token="",
        explanation=(
            "Below the heatmaps, the logit lens: the last column is the guess after *city of*. "
            "Early layers guess filler words; **Rome** appears only in the last layers. Click "
            "a cell for its top 5."
        ),
    ),
)


def preset_by_name(name: str) -> Preset | None:
    return next((preset for preset in PRESETS if preset.name == name), None)


def tab_presets(presets: tuple[Preset, ...] | list[Preset]) -> tuple[TabPreset, ...]:
    """The one-click demo buttons (and deep-link names) for ``presets``."""
    return tuple(TabPreset(p.slug, p.name, p.explanation) for p in presets)


def preset_by_slug(slug: str) -> Preset | None:
    return next((preset for preset in PRESETS + INSIDE_PRESETS if preset.slug == slug), None)
