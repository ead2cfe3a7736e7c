"""The Embeddings tab's handlers: plain functions, testable without a browser.

``project_embeddings`` embeds (from cache where possible), projects and draws; ``nearest_neighbors``
searches the user's current map; ``export_files`` writes the map as HTML and JSON. Each takes
settings objects, checked by the tab's endpoints (components/endpoints.py): where the sentences
come from (``SentenceInput``), how the map is drawn (``ProjectionSettings``), what it is compared
with (``MapView``), how many neighbours a search lists (``NeighbourSearch``). The user's map
lives in ``MapState`` (a ``gr.State``), never in a module global. Layout:
components/embeddings/tab.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from components.embeddings.exports import write_csv, write_html, write_json
from components.embeddings.plots import map_figure
from models.embeddings import sentence_sets
from models.embeddings.cache import SHARED_CACHE, EmbeddingCache
from models.embeddings.projection import (
    METHODS,
    Projection,
    ProjectionSettings,
    cluster_labels,
    nearest,
    place_query,
    project,
)
from models.embeddings.sentence_sets import SentenceInput
from models.errors import InvalidInputError
from models.registry import Registry
from models.sentences import joined, lines, sentence
from models.settings import Settings, setting

COMPARE_NONE = "nothing"
NEIGHBOUR_COLUMNS = ["rank", "sentence", "label", "cosine similarity"]
MAX_K = 50
MAX_QUERY_CHARS = 1_000


@dataclass(frozen=True)
class MapView(Settings):
    """A second map beside the first: the same embeddings projected another way (or none)."""

    compare_with: str = setting(
        COMPARE_NONE, choices=(COMPARE_NONE, *METHODS), label="Compare side by side with",
        noun="method to compare with",
    )  # fmt: skip


@dataclass(frozen=True)
class NeighbourSearch(Settings):
    """How many of the map's sentences a query lists, closest first."""

    k: int = setting(5, low=1, high=MAX_K, step=1, label="Top k", noun="Top k")


@dataclass
class MapState:
    """One user's current map (kept in ``gr.State``): what the query and exports work on."""

    model: str = ""
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    label_kind: str = "label"  # "label" from the data, or "cluster" found by k-means
    embeddings: np.ndarray | None = None
    projection: Projection | None = None
    data_key: str = ""  # which (model, sentences) the cluster labels belong to


def project_embeddings(
    registry: Registry,
    model: Any,
    file: Any = None,
    *,
    sentences: SentenceInput,
    projection: ProjectionSettings,
    view: MapView,
    state: MapState | None = None,
    progress: Any = None,
    cache: EmbeddingCache = SHARED_CACHE,
) -> tuple[Any, Any, str, str, MapState]:
    """Embed (from cache where possible), project, and draw. Returns (map, comparison map or
    None, summary markdown, CSV path, new state). ``file`` is an upload's path, read when
    ``sentences.source`` says so."""
    report = progress or (lambda fraction, desc="": None)
    if not isinstance(model, str) or not model:
        raise InvalidInputError("Pick a sentence-embedding model.")
    read = sentences.read(file)
    report(0.05, desc="Loading the model")
    encoder = registry.load(model, kind="sentence-embedder")
    misses_before = cache.misses
    embeddings = cache.embed(model, encoder, read.texts, lambda f, m: report(0.1 + 0.5 * f, desc=m))
    newly_embedded = cache.misses - misses_before
    state = state if isinstance(state, MapState) else MapState()
    data_key = _data_key(model, read.texts, read.labels)
    if read.labels is not None:
        labels, label_kind = read.labels, "label"
    elif state.data_key == data_key and state.label_kind == "cluster":
        labels, label_kind = state.labels, "cluster"  # same data: keep its clusters and colours
    else:
        report(0.6, desc="Finding clusters")
        labels, label_kind = cluster_labels(embeddings, seed=projection.seed), "cluster"
    report(0.65, desc=f"Projecting with {projection.method}")
    drawn = project(embeddings, projection)
    main = _figure(drawn, read.texts, labels)
    comparison = None
    if view.compare_with != COMPARE_NONE:
        report(0.8, desc=f"Projecting with {view.compare_with} for comparison")
        other = project(embeddings, replace(projection, method=view.compare_with))
        comparison = _figure(other, read.texts, labels)
    new_state = MapState(model, read.texts, labels, label_kind, embeddings, drawn, data_key)
    csv_path = write_csv(drawn.coords, read.texts, labels, label_kind)
    summary = _summary(read, new_state, newly_embedded, drawn, comparison is not None)
    return main, comparison, summary, str(csv_path), new_state


def nearest_neighbors(
    registry: Registry, query: str, state: MapState | None, *, search: NeighbourSearch
) -> tuple[list[list[Any]], Any]:
    """The ``search.k`` sentences of the current map closest to ``query`` by cosine
    similarity, and the map with the query placed on it and its neighbours ringed."""
    if not isinstance(state, MapState) or state.projection is None or state.embeddings is None:
        raise InvalidInputError(
            "There is no map yet: press 'Embed and project' (or call /project_embeddings in the "
            "same client session) first."
        )
    if not isinstance(query, str) or not query.strip():
        raise InvalidInputError("Type a sentence to search for.")
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    encoder = registry.load(state.model, kind="sentence-embedder")
    vector = SHARED_CACHE.embed(state.model, encoder, [query])[0]
    indices, similarity = nearest(vector, state.embeddings, search.k)
    rows = [
        [rank + 1, state.texts[i], state.labels[i], round(float(score), 4)]
        for rank, (i, score) in enumerate(zip(indices, similarity, strict=True))
    ]
    point = place_query(state.projection.coords, indices, similarity)
    figure = _figure(
        state.projection,
        state.texts,
        state.labels,
        query=(query, point),
        neighbours=[int(i) for i in indices],
    )
    return rows, figure


def export_html(state: MapState | None) -> str:
    """The current map as a self-contained HTML page; returns its path."""
    if not isinstance(state, MapState) or state.projection is None:
        raise InvalidInputError("There is no map to export yet: press 'Embed and project' first.")
    return str(write_html(_figure(state.projection, state.texts, state.labels)))


def export_files(state: MapState | None) -> list[str]:
    """The interactive map (HTML) and the map as data (JSON: settings and every point)."""
    page = export_html(state)
    assert isinstance(state, MapState) and state.projection is not None
    projection = state.projection
    about = {"model": state.model, "method": projection.method, "title": projection.title,
             "params": asdict(projection.params)}  # fmt: skip
    data = write_json(projection.coords, state.texts, state.labels, state.label_kind, about)
    return [page, str(data)]


def _figure(projection: Projection, texts: list[str], labels: list[str], **highlight: Any):
    return map_figure(
        projection.coords, texts, labels, projection.title, axis_name=projection.method, **highlight
    )


def _data_key(model: str, texts: list[str], labels: list[str] | None) -> str:
    digest = hashlib.sha1(model.encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\n")
    digest.update(b"labelled" if labels is not None else b"unlabelled")
    return digest.hexdigest()


def _summary(
    sentences: sentence_sets.SentenceSet,
    state: MapState,
    newly_embedded: int,
    projection: Projection,
    compared: bool,
) -> str:
    n = len(sentences)
    cached = n - newly_embedded
    colour = (
        sentence("their labels")
        if state.label_kind == "label"
        else sentence("{k} clusters found by k-means on the embeddings", k=len(set(state.labels)))
    )
    made = sentence(
        "**{n} sentences**, {dim}-dimensional embeddings ({new} embedded now, {cached} from the "
        "cache), coloured by {colour}. {method} took {seconds} s.",
        n=f"{n:,}", dim=state.embeddings.shape[1],  # type: ignore[union-attr]
        new=f"{newly_embedded:,}", cached=f"{cached:,}", colour=colour,
        method=projection.method, seconds=f"{projection.seconds:.1f}",
    )  # fmt: skip
    same = sentence("The comparison map alongside uses the same embeddings and colours.")
    notes = [joined("", "- ", note) for note in [*sentences.notes, *projection.notes]]
    return lines(made, same if compared else "", *notes)
