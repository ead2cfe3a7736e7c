"""From embeddings to a map: UMAP, PCA or t-SNE in 2D or 3D, clusters when there are no labels,
and nearest neighbours by cosine similarity.

Why UMAP is fast here: umap-learn computes all pairwise distances through a Python callable for
sets under 4,096 points (about 2.4 s of a 3.8 s fit for 1,000 sentences). We give it the exact
k-nearest-neighbour graph instead, computed with one matrix product per chunk, and ask for 200
optimisation epochs (umap-learn's own choice for large sets) rather than 500. Its ~10-20 s of numba
compilation is paid by ``warm_up()`` in the background after launch; compiled code that numba can
cache is kept in ``NUMBA_CACHE_DIR`` (the playground cache by default) for later starts.

This module is math only: no gradio, no model loading, no file formats.
"""

from __future__ import annotations

import math
import os
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from models.errors import InvalidInputError
from models.settings import Settings, setting
from models.sources import cache_dir
from models.validation import MAX_SEED

Method = Literal["UMAP", "PCA", "t-SNE"]
METHODS: tuple[Method, ...] = ("UMAP", "PCA", "t-SNE")
METRICS = ("cosine", "euclidean")
UMAP_MIN_POINTS = 10  # below this a neighbourhood graph is mostly noise: we use PCA and say so
UMAP_EPOCHS = 200
MAX_NEIGHBORS = 200
# Under this many sentences n_neighbors is capped at about sqrt(n): on 20-50 sentences in 3-5
# topics that kept the groups apart (silhouette 0.4-0.9) where the default 15 merged them (0.0-0.6).
SMALL_SET = 100
CLUSTER_SAMPLE = 2000  # k-means on at most this many rows; the rest get the nearest centre
KNN_CHUNK = 1024  # rows per matrix product: 1,024 x 10,000 floats = 40 MB at most

# Set before numba is first imported (by umap), so compiled functions are cached across starts.
if "NUMBA_CACHE_DIR" not in os.environ:
    _numba_cache = cache_dir() / "numba"
    try:
        _numba_cache.mkdir(parents=True, exist_ok=True)
        os.environ["NUMBA_CACHE_DIR"] = str(_numba_cache)
    except OSError:  # a read-only home: numba then compiles in memory only
        pass

# One projection at a time per process: two at once would only split the same CPU cores, and
# it keeps numba's first compilation from running twice.
_FIT_LOCK = threading.Lock()


@dataclass(frozen=True)
class ProjectionSettings(Settings):
    """How a map is drawn: each setting declared once (models/settings.py), read by the
    Embeddings tab's widgets, the API and the checker. Build with
    ``ProjectionSettings.checked(...)`` from user input."""

    method: str = setting("UMAP", choices=METHODS, label="Method")
    dimensions: int = setting(
        2, low=2, high=3, choices=(2, 3), kind="whole", label="Dimensions", noun="Dimensions"
    )
    n_neighbors: int = setting(
        15, low=2, high=MAX_NEIGHBORS, step=1, label="n_neighbors (UMAP)", noun="n_neighbors",
        help="small: local detail; large: global shape",
    )  # fmt: skip
    min_dist: float = setting(
        0.1, low=0.0, high=1.0, step=0.05, label="min_dist (UMAP)", noun="min_dist",
        help="small: tight clumps; large: evenly spread",
    )  # fmt: skip
    metric: str = setting("cosine", choices=METRICS, label="Metric")
    seed: int = setting(42, low=0, high=MAX_SEED, label="Random seed", noun="Seed")


@dataclass(frozen=True)
class Projection:
    coords: np.ndarray  # (n, dimensions) float32
    method: Method  # what actually ran (PCA when UMAP had too few points)
    params: ProjectionSettings
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        p = self.params
        if self.method == "UMAP":
            return (
                f"UMAP ({p.metric}, n_neighbors={p.n_neighbors}, min_dist={p.min_dist:g}, "
                f"seed={p.seed})"
            )
        if self.method == "t-SNE":
            return f"t-SNE ({p.metric}, seed={p.seed})"
        return "PCA"


# -- neighbours ---------------------------------------------------------------------------------
def nearest_neighbor_graph(
    embeddings: np.ndarray, k: int, metric: str = "cosine"
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of every row (itself first), as (indices, distances).

    Rows are unit length, so cosine similarity is a dot product and euclidean distance follows
    from it: |a - b| = sqrt(2 - 2 a.b)."""
    n = len(embeddings)
    k = min(k, n)
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, KNN_CHUNK):
        similarity = embeddings[start : start + KNN_CHUNK] @ embeddings.T
        rows = np.arange(similarity.shape[0])
        similarity[rows, rows + start] = np.inf  # each point is its own first neighbour
        top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        top_similarity = np.take_along_axis(similarity, top, axis=1)
        order = np.argsort(-top_similarity, axis=1)
        top = np.take_along_axis(top, order, axis=1)
        top_similarity = np.minimum(np.take_along_axis(top_similarity, order, axis=1), 1.0)
        cosine_distance = 1.0 - top_similarity
        dist = cosine_distance if metric == "cosine" else np.sqrt(2.0 * cosine_distance)
        indices[start : start + len(rows)] = top
        distances[start : start + len(rows)] = np.maximum(dist, 0.0)
    return indices, distances


def nearest(query: np.ndarray, embeddings: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosine similarities of the k rows closest to ``query`` (all unit length)."""
    similarity = embeddings @ query
    k = min(k, len(similarity))
    top = np.argpartition(-similarity, k - 1)[:k]
    top = top[np.argsort(-similarity[top], kind="stable")]
    return top, similarity[top]


def place_query(coords: np.ndarray, neighbours: np.ndarray, similarity: np.ndarray) -> np.ndarray:
    """Where a new sentence goes on an existing map: the mean of its neighbours' positions,
    weighted by similarity (how UMAP's own ``transform`` starts, and it works for PCA and t-SNE)."""
    weights = np.clip(similarity, 1e-6, None) ** 4  # the closest neighbours dominate
    return (coords[neighbours] * weights[:, None]).sum(axis=0) / weights.sum()


# -- projection ---------------------------------------------------------------------------------
def project(embeddings: np.ndarray, params: ProjectionSettings) -> Projection:
    """2D or 3D coordinates for unit-length embeddings (one row per sentence)."""
    n = len(embeddings)
    if n < 3:
        raise InvalidInputError(f"A map needs at least 3 sentences; got {n}.")
    notes: list[str] = []
    method = params.method
    if method == "UMAP" and n < UMAP_MIN_POINTS:
        method = "PCA"
        notes.append(
            f"UMAP needs at least {UMAP_MIN_POINTS} sentences to find neighbourhoods; with {n} "
            "this map is PCA instead."
        )
    started = time.perf_counter()
    with _FIT_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # umap-learn's advice about n_jobs and search indexes
        if method == "UMAP":
            coords = _umap(embeddings, params, notes)
        elif method == "t-SNE":
            coords = _tsne(embeddings, params, notes)
        else:
            coords = _pca(embeddings, params.dimensions, params.seed)
    coords = np.asarray(coords, dtype=np.float32)
    return Projection(coords, method, params, time.perf_counter() - started, notes)


def _umap(embeddings: np.ndarray, params: ProjectionSettings, notes: list[str]) -> np.ndarray:
    import umap

    n = len(embeddings)
    n_neighbors = params.n_neighbors
    small_cap = max(3, round(math.sqrt(n))) if n < SMALL_SET else n - 1
    if n_neighbors > min(small_cap, n - 1):
        n_neighbors = min(small_cap, n - 1)
        notes.append(
            f"n_neighbors lowered to {n_neighbors} for {n} sentences: with more neighbours than "
            "a group has members, UMAP joins every group into one cloud."
        )
    indices, distances = nearest_neighbor_graph(embeddings, n_neighbors, params.metric)
    reducer = umap.UMAP(
        n_components=params.dimensions,
        n_neighbors=n_neighbors,
        min_dist=params.min_dist,
        metric=params.metric,
        random_state=params.seed,
        n_epochs=UMAP_EPOCHS,
        init="pca",
        precomputed_knn=(indices, distances, None),
    )
    return reducer.fit_transform(embeddings)


def _tsne(embeddings: np.ndarray, params: ProjectionSettings, notes: list[str]) -> np.ndarray:
    from sklearn.manifold import TSNE

    # sklearn needs perplexity < n; a third of n keeps small sets from collapsing into one blob.
    perplexity = float(min(30, max(2, (len(embeddings) - 1) // 3)))
    if perplexity < 30:
        notes.append(f"t-SNE perplexity lowered to {perplexity:.0f} for {len(embeddings)} points.")
    return TSNE(
        n_components=params.dimensions,
        perplexity=perplexity,
        metric=params.metric,
        init="pca",
        random_state=params.seed,
    ).fit_transform(embeddings)


def _pca(embeddings: np.ndarray, dimensions: int, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    # n >= 3 points and d >= 3 features, so 2 or 3 components always exist.
    return PCA(n_components=dimensions, random_state=seed).fit_transform(embeddings)


# -- colours without labels ---------------------------------------------------------------------
def cluster_labels(embeddings: np.ndarray, seed: int = 0, max_clusters: int = 8) -> list[str]:
    """Group unlabelled sentences with k-means on the embeddings (not on the 2D map), choosing k
    from 2 to ``max_clusters`` by silhouette score. Large sets are clustered on a sample of
    ``CLUSTER_SAMPLE`` rows and every row is then given its nearest centre (same answer to a
    sampling error, a fraction of the time)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(embeddings)
    rng = np.random.default_rng(seed)
    sample = (
        embeddings[rng.choice(n, CLUSTER_SAMPLE, replace=False)]
        if n > CLUSTER_SAMPLE
        else embeddings
    )
    best: KMeans | None = None
    best_score = -np.inf
    for k in range(2, min(max_clusters, len(sample) - 1) + 1):
        model = KMeans(n_clusters=k, n_init=2, random_state=seed).fit(sample)
        if len(set(model.labels_)) < 2:
            continue
        score = silhouette_score(
            sample, model.labels_, sample_size=min(len(sample), 1000), random_state=seed
        )
        if score > best_score:
            best, best_score = model, score
    if best is None:  # every point identical: one cluster
        return ["cluster 1"] * n
    return [f"cluster {label + 1}" for label in best.predict(embeddings)]


def warm_up() -> float:
    """Compile umap-learn's numba code now (about 10-20 s on 2 cores, once per process) so that
    no user pays for it. Safe to call from a background thread; returns the seconds it took."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    # The shape of a first real map (200 MiniLM embeddings, default settings): numba compiles
    # per argument type, and a smaller stand-in left part of the work to the first click.
    points = rng.normal(size=(200, 384)).astype(np.float32)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    for dimensions in (2, 3):
        project(points, ProjectionSettings(method="UMAP", dimensions=dimensions))
    return time.perf_counter() - started


def start_warm_up() -> threading.Thread:
    """``warm_up()`` in a daemon thread: call it right after launch (app.py's warm-up)."""
    thread = threading.Thread(target=warm_up, name="umap-warm-up", daemon=True)
    thread.start()
    return thread
