"""One-click demos of the Embeddings tab: each ``TabPreset`` (the slug a URL names, the button's
label, what to look at) and the ``EmbeddingDemo`` it puts into the tab's controls: settings
objects, set by name; what a demo does not name keeps its declared default
(models/embeddings/projection.py, models/embeddings/sentence_sets.py). The tab then runs its
demo, so one click (or one link) ends on a result. Every value was tried with the default models:
the notes say what they show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.demos import TabPreset
from components.embeddings.handlers import MapView
from models.embeddings.projection import ProjectionSettings
from models.embeddings.sentence_sets import SentenceInput

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


@dataclass(frozen=True)
class EmbeddingDemo:
    """What a demo puts into the Embeddings tab: a built-in set (its source and name), how the
    map is drawn, what it is compared with, and a query to place on it (empty: none)."""

    sentences: SentenceInput
    projection: ProjectionSettings = field(default_factory=ProjectionSettings)
    view: MapView = field(default_factory=MapView)
    query: str = ""


TOPICS = SentenceInput(data="Five topics")
EMBEDDING_DEMOS: dict[str, EmbeddingDemo] = {
    "topics": EmbeddingDemo(TOPICS, query="The band played a new song."),
    "words": EmbeddingDemo(SentenceInput(data="Words in groups")),
    "3d": EmbeddingDemo(TOPICS, projection=ProjectionSettings(dimensions=3)),
    "umap-vs-pca": EmbeddingDemo(TOPICS, view=MapView(compare_with="PCA")),
}
