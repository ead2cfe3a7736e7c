"""One-click demos for the Text, Image, Embeddings and Fine-tune tabs (the Attention tab's live in
components/attention_presets.py).

Each preset is a ``TabPreset`` (slug for the URL, button label, what to look at) plus the values
it puts into the tab's controls; ``apply_*`` turns a slug into those values in the order the tab
wires them. The tab then runs its demo, so one click (or one link) ends on a result. Every value
was tried with the default models: the notes describe what they really show.
"""

from __future__ import annotations

from typing import Any

from components.presenter import TabPreset
from models.errors import InvalidInputError

# -- Text: (prompt, chat, temperature, top_k, top_p, repetition penalty, max new tokens, seed)
TEXT_PRESETS = (
    TabPreset(
        "sure",
        "A question with one answer",
        "greedy decoding (temperature 0) on a plain fact: nearly every token is green, the "
        "model gave it 90% or more. Click a token to see how little room the alternatives had.",
    ),
    TabPreset(
        "story",
        "A story: many good next tokens",
        "temperature 1.1 on an open-ended prompt: yellow, orange and red tokens are places "
        "where the model had many reasonable choices and the sampler picked a less likely one. "
        "Another seed gives another story.",
    ),
    TabPreset(
        "too-hot",
        "Too hot: temperature 2",
        "temperature 2 with top-k and top-p off flattens the distribution so much that rare "
        "tokens win: the text falls apart and turns red. This is why samplers exist.",
    ),
)
TEXT_VALUES: dict[str, tuple[Any, ...]] = {
    "sure": ("What is the capital of France? Answer in one sentence.", True, 0.0, 0, 1.0, 1.1,
             32, 1),
    "story": ("Write the opening sentence of a fairy tale about a lonely robot.", True, 1.1, 0,
              0.97, 1.05, 48, 7),
    "too-hot": ("Explain in two sentences why the sky is blue.", True, 2.0, 0, 1.0, 1.0, 40, 3),
}  # fmt: skip

# -- Image: (prompt, negative prompt, steps, guidance, seed, scheduler, batch)
IMAGE_PRESETS = (
    TabPreset(
        "green-cat",
        "A green cat it never saw",
        "the model saw green things and cats, but never a green cat: it combines two ideas it "
        "learned separately. Below the pictures, watch one appear out of the noise.",
    ),
    TabPreset(
        "not-red",
        "A triangle, but not red",
        "the negative prompt *red* pushes every image away from red: no red triangles, "
        "whatever colour the noise started towards.",
    ),
    TabPreset(
        "no-prompt",
        "No prompt at all",
        "with an empty prompt nothing guides the model (unconditional generation): from 8 "
        "different starting noises it draws the colours and backgrounds it learned, but vaguer "
        "shapes, because no prompt pulls it towards one thing.",
    ),
)
IMAGE_VALUES: dict[str, tuple[Any, ...]] = {
    "green-cat": ("a green cat on a black background", "", 25, 3.0, 0, "DPM-Solver++", 4),
    "not-red": ("a triangle on black", "red", 25, 3.0, 0, "DPM-Solver++", 4),
    "no-prompt": ("", "", 25, 3.0, 0, "DPM-Solver++", 8),
}

# -- Embeddings: (source, example set, method, dimensions, compare with, query)
EMBEDDING_PRESETS = (
    TabPreset(
        "topics",
        "Five topics, five islands",
        "200 sentences about five topics fall into five groups although the model never saw "
        "the labels. The query *The band played a new song.* lands among the music sentences.",
    ),
    TabPreset(
        "words",
        "Words in groups",
        "220 single words in ten groups (countries, capitals, animals, colours, numbers...), one "
        "colour per group: words of a group gather together. Meaning became distance.",
    ),
    TabPreset(
        "3d",
        "Topics in 3D",
        "the same five topics in three dimensions: drag to rotate, scroll to zoom.",
    ),
    TabPreset(
        "umap-vs-pca",
        "UMAP vs PCA",
        "the same embeddings projected two ways: PCA keeps the directions of largest spread, "
        "UMAP keeps each sentence's neighbours, so its groups separate more clearly.",
    ),
)
EMBEDDING_VALUES: dict[str, tuple[Any, ...]] = {
    "topics": ("Example set", "Five topics", "UMAP", 2, "nothing", "The band played a new song."),
    "words": ("Example set", "Words in groups", "UMAP", 2, "nothing", ""),
    "3d": ("Example set", "Five topics", "UMAP", 3, "nothing", ""),
    "umap-vs-pca": ("Example set", "Five topics", "UMAP", 2, "PCA", ""),
}

# -- Fine-tune: (data set, epochs, max steps, your prompts)
FINETUNE_PRESETS = (
    TabPreset(
        "pirate",
        "Teach it pirate speak",
        "80 examples, about two minutes on a 2-core CPU (the status counts down): the same base "
        "model, asked the same held-out questions with the same seed, now answers like a pirate. "
        "Watch the loss fall.",
    ),
    TabPreset(
        "haiku",
        "Teach it haiku",
        "the fine-tuned model learns the short three-line shape of a haiku from a few dozen "
        "examples; the base model just chats.",
    ),
    TabPreset(
        "concepts",
        "Teach it this playground",
        "trained on short answers about this playground's ideas, the model picks up their "
        "wording and length: a small taste of adapting a model to your own documents.",
    ),
)
FINETUNE_VALUES: dict[str, tuple[Any, ...]] = {
    "pirate": ("Pirate speak", 3, 120, "What is the best way to learn?\nDescribe the sea."),
    "haiku": ("Haiku", 3, 120, "Write about the moon.\nWrite about a train."),
    "concepts": ("Playground concepts", 3, 120, "What is a token?\nWhat is fine-tuning?"),
}


def _values(table: dict[str, tuple[Any, ...]], slug: str) -> tuple[Any, ...]:
    if slug not in table:
        raise InvalidInputError(f"Unknown preset '{slug}'. Presets here: {', '.join(table)}.")
    return table[slug]


def apply_text(slug: str) -> tuple[Any, ...]:
    return _values(TEXT_VALUES, slug)


def apply_image(slug: str) -> tuple[Any, ...]:
    return _values(IMAGE_VALUES, slug)


def apply_embeddings(slug: str) -> tuple[Any, ...]:
    return _values(EMBEDDING_VALUES, slug)


def apply_finetune(slug: str) -> tuple[Any, ...]:
    return _values(FINETUNE_VALUES, slug)
