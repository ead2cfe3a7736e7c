"""Embeddings tab, math side: the embedding cache, projections, neighbours and clusters.

A fake encoder (deterministic vectors, counts every sentence it encodes) keeps these fast; the
real all-MiniLM-L6-v2 is exercised in test_embeddings_tab.py.
"""

from __future__ import annotations

import threading
import zlib

import numpy as np
import pytest

from models.embeddings.cache import EmbeddingCache
from models.embeddings.projection import (
    ProjectionSettings,
    cluster_labels,
    nearest,
    nearest_neighbor_graph,
    place_query,
    project,
)
from models.errors import InvalidInputError


class FakeEncoder:
    """Vectors from a hash of the text; records every batch it was asked to encode."""

    def __init__(self, dims: int = 8) -> None:
        self.dims = dims
        self.encoded: list[str] = []
        self._lock = threading.Lock()

    def encode(self, texts, **kwargs):
        with self._lock:
            self.encoded.extend(texts)
        vectors = np.stack(
            [np.random.default_rng(zlib.crc32(t.encode())).normal(size=self.dims) for t in texts]
        )
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def blobs(per_group: int = 30, groups: int = 3, dims: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, dims)) * 4
    points = np.concatenate([c + rng.normal(size=(per_group, dims)) for c in centres])
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


# -- cache --------------------------------------------------------------------------------------
def test_cache_encodes_only_sentences_it_has_not_seen() -> None:
    cache, encoder = EmbeddingCache(), FakeEncoder()
    first = cache.embed("m", encoder, ["a", "b", "c"])
    assert encoder.encoded == ["a", "b", "c"] and (cache.hits, cache.misses) == (0, 3)
    second = cache.embed("m", encoder, ["c", "d", "a"])
    assert encoder.encoded == ["a", "b", "c", "d"] and (cache.hits, cache.misses) == (2, 4)
    np.testing.assert_array_equal(second[0], first[2])
    np.testing.assert_array_equal(second[2], first[0])
    np.testing.assert_allclose(np.linalg.norm(second, axis=1), 1.0, rtol=1e-5)


def test_cache_keys_include_the_model() -> None:
    cache, encoder = EmbeddingCache(), FakeEncoder()
    cache.embed("model-a", encoder, ["same text"])
    cache.embed("model-b", encoder, ["same text"])
    assert encoder.encoded == ["same text", "same text"] and len(cache) == 2


def test_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    cache, encoder = EmbeddingCache(max_entries=3), FakeEncoder()
    cache.embed("m", encoder, ["a", "b", "c"])
    cache.embed("m", encoder, ["a"])  # "a" is now the most recently used
    cache.embed("m", encoder, ["d"])  # evicts "b"
    assert len(cache) == 3
    encoder.encoded.clear()
    cache.embed("m", encoder, ["a", "c", "d", "b"])
    assert encoder.encoded == ["b"]


def test_cache_is_safe_under_concurrent_users() -> None:
    cache, encoder = EmbeddingCache(max_entries=500), FakeEncoder()
    texts = [f"sentence {i}" for i in range(300)]
    results: list[np.ndarray] = []

    def user(offset: int) -> None:
        results.append(cache.embed("m", encoder, texts[offset:] + texts[:offset]))

    threads = [threading.Thread(target=user, args=(i * 37,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len(cache) == 300
    reference = cache.embed("m", encoder, texts)
    for offset, result in zip([i * 37 for i in range(6)], results, strict=False):
        del offset  # results arrive in completion order; compare as sets of rows instead
        assert {row.tobytes() for row in result} == {row.tobytes() for row in reference}


# -- parameters ---------------------------------------------------------------------------------
NAMES = ("method", "dimensions", "n_neighbors", "min_dist", "metric", "seed")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("UMAP", 4, 15, 0.1, "cosine", 1), "Dimensions must be a whole number from 2 to 3"),
        (("UMAP", 2, float("nan"), 0.1, "cosine", 1), "n_neighbors must be a whole number"),
        (("UMAP", 2, 10**9, 0.1, "cosine", 1), "n_neighbors must be a whole number"),
        (("UMAP", 2, 7.5, 0.1, "cosine", 1), "n_neighbors must be a whole number"),
        (("UMAP", 2, 15, float("inf"), "cosine", 1), "min_dist must be a number from 0 to 1"),
        (("UMAP", 2, 15, -0.1, "cosine", 1), "min_dist must be a number from 0 to 1"),
        (("UMAP", 2, 15, "far", "cosine", 1), "min_dist must be a number from 0 to 1"),
        (("UMAP", 2, 15, 0.1, "haversine", 1), "Pick a metric from: cosine, euclidean; not 'hav"),
        (("LDA", 2, 15, 0.1, "cosine", 1), "Pick a method from: UMAP, PCA, t-SNE; not 'LDA'"),
        (("UMAP", 2, 15, 0.1, "cosine", -1), "Seed must be a whole number"),
        (("UMAP", 2, 15, 0.1, "cosine", None), "Seed must be a whole number"),
    ],
)
def test_bad_parameters_are_refused_with_the_range(args, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        ProjectionSettings.checked(**dict(zip(NAMES, args, strict=True)))


def test_good_parameters_pass_through_as_numbers() -> None:
    params = ProjectionSettings.checked(
        method="t-SNE", dimensions=3.0, n_neighbors="20", min_dist=0.5, metric="euclidean", seed=7
    )
    assert params == ProjectionSettings(
        method="t-SNE", dimensions=3, n_neighbors=20, min_dist=0.5, metric="euclidean", seed=7
    )
    assert ProjectionSettings.checked(dimensions="3").dimensions == 3  # as the page's radio sends


# -- neighbours ---------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_neighbour_graph_matches_brute_force(metric: str, monkeypatch) -> None:
    monkeypatch.setattr(
        "models.embeddings.projection.KNN_CHUNK", 7
    )  # several chunks, uneven last one
    points = blobs(per_group=10)
    indices, distances = nearest_neighbor_graph(points, 5, metric)
    full = (
        1 - points @ points.T
        if metric == "cosine"
        else np.linalg.norm(points[:, None] - points[None], axis=2)
    )
    for row in range(len(points)):
        assert indices[row, 0] == row and distances[row, 0] == pytest.approx(0, abs=1e-3)
        expected = np.sort(full[row])[:5]
        np.testing.assert_allclose(distances[row], expected, atol=1e-3)
        np.testing.assert_allclose(full[row, indices[row]], distances[row], atol=1e-3)


def test_nearest_orders_by_cosine_similarity() -> None:
    points = blobs()
    query = points[4] + 0.01
    query /= np.linalg.norm(query)
    top, similarity = nearest(query, points, 3)
    assert top[0] == 4 and list(similarity) == sorted(similarity, reverse=True)
    assert nearest(query, points, 500)[0].shape == (len(points),)


def test_query_is_placed_among_its_neighbours() -> None:
    coords = np.array([[0, 0], [10, 10], [10, 12], [100, 100]], dtype=np.float32)
    point = place_query(coords, np.array([1, 2, 3]), np.array([0.9, 0.9, 0.1]))
    assert 9.9 < point[0] < 10.1 and 10.9 < point[1] < 11.1


# -- projections --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["UMAP", "PCA", "t-SNE"])
@pytest.mark.parametrize("dimensions", [2, 3])
def test_projection_shapes_and_grouping(method: str, dimensions: int) -> None:
    points = blobs()
    result = project(
        points, ProjectionSettings(method=method, dimensions=dimensions, n_neighbors=10)
    )
    assert result.coords.shape == (90, dimensions) and result.method == method
    assert np.isfinite(result.coords).all()
    # Neighbours in the embedding space stay neighbours on the map: each point's nearest point
    # on the map belongs to its own blob.
    gaps = np.linalg.norm(result.coords[:, None] - result.coords[None], axis=2)
    np.fill_diagonal(gaps, np.inf)
    blob = np.repeat(np.arange(3), 30)
    assert (blob[gaps.argmin(axis=1)] == blob).mean() > 0.9  # chance would be 1/3


def test_same_seed_same_map() -> None:
    points = blobs()
    params = ProjectionSettings(method="UMAP", n_neighbors=10, seed=3)
    np.testing.assert_array_equal(project(points, params).coords, project(points, params).coords)


def test_too_few_points_for_umap_fall_back_to_pca_and_say_so() -> None:
    result = project(blobs(per_group=3), ProjectionSettings(method="UMAP"))
    assert result.method == "PCA" and result.coords.shape == (9, 2)
    assert "UMAP needs at least 10 sentences" in result.notes[0]


def test_n_neighbors_larger_than_the_set_is_lowered() -> None:
    result = project(blobs(per_group=4), ProjectionSettings(method="UMAP", n_neighbors=50))
    assert result.method == "UMAP" and "n_neighbors lowered to 3 for 12" in result.notes[0]


def test_three_points_are_enough_for_every_method() -> None:
    points = blobs(per_group=1)
    for method in ("UMAP", "PCA", "t-SNE"):
        assert project(points, ProjectionSettings(method=method, dimensions=3)).coords.shape == (
            3,
            3,
        )
    with pytest.raises(InvalidInputError, match="at least 3 sentences"):
        project(points[:2], ProjectionSettings(method="PCA"))


def test_clusters_recover_the_groups() -> None:
    labels = cluster_labels(blobs(groups=4))
    assert len(set(labels)) == 4
    for group in range(4):
        assert len(set(labels[group * 30 : (group + 1) * 30])) == 1
