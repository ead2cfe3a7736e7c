"""One-click demos of the Tokens tab: the same idea in four kinds of text. Each value was run
with the default tokenizers and the counts in the notes are what they gave (tests/test_tokens_tab.py
checks them).
"""

from __future__ import annotations

from components.demos import TabPreset
from models.text.tokenizer_lens import SAMPLES

TOKENS_PRESETS = (
    TabPreset(
        "english",
        "An English sentence",
        "English text costs about one token per word: common words are one piece, with the space "
        "before a word (␣) stored inside its token.",
    ),
    TabPreset(
        "chinese",
        "The same sentence in Chinese",
        "The same meaning in 11 Chinese characters: SmolLM2's small, mostly English vocabulary "
        "needs 23 tokens, most of them byte pieces of a character (red); GPT-4o and Llama 3 need "
        "11, one per character; MiniLM has no piece for 8 of the 11 ([UNK]).",
    ),
    TabPreset(
        "code",
        "A line of code",
        "Code: the vocabularies trained on a lot of code (GPT-4o, GPT-4, Llama 3) need 10 tokens "
        "for this line, SmolLM2 13, and MiniLM, made for sentences, 15 plus its [CLS] and [SEP].",
    ),
    TabPreset(
        "emoji",
        "Emoji",
        "An emoji is 4 bytes: a small vocabulary spends several tokens on one, and MiniLM's "
        "WordPiece has no piece for it at all ([UNK]): the model cannot tell them apart.",
    ),
)
TOKENS_VALUES = {
    "english": SAMPLES["English"],
    "chinese": SAMPLES["Chinese"],
    "code": SAMPLES["code"],
    "emoji": SAMPLES["emoji"],
}


def apply_tokens(slug: str) -> str:
    """The text a demo puts into the box (the tab then splits it)."""
    return TOKENS_VALUES[slug]
