"""One-click demos of the Embeddings tab: each ``TabPreset`` (the slug a URL names, the button's
label, what to look at) and the values it puts into the tab's controls, in the order the tab wires
them. ``apply_embeddings`` turns a slug into those values; the tab then runs its demo, so one
click (or one link) ends on a result. Every value was tried with the default models: the notes
say what they show.
"""

from __future__ import annotations

from typing import Any

from components.presenter import TabPreset, preset_values

# Values: (source, example set, method, dimensions, compare with, query)
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


def apply_embeddings(slug: str) -> tuple[Any, ...]:
    return preset_values(EMBEDDING_VALUES, slug)
