"""The predictive model on sentence embeddings (real all-MiniLM-L6-v2, built-in sets, uploads):
its accuracy against scikit-learn fitted independently here, the confusion matrix against
counting by hand, per-point right/wrong, classifying new sentences, and every refusal."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from models.builtin import MINILM
from models.embeddings import classifier as clf
from models.embeddings import sentence_sets
from models.embeddings.cache import EmbeddingCache
from models.embeddings.classifier import SplitSettings
from models.errors import InvalidInputError


@pytest.fixture(scope="module")
def cache() -> EmbeddingCache:
    return EmbeddingCache()


@pytest.fixture(scope="module")
def embedded(real_registry, cache):
    """Every built-in set with its embeddings, embedded once."""
    encoder = real_registry.load(MINILM, kind="sentence-embedder")
    sets = {}
    for name in sentence_sets.example_names():
        sentences = sentence_sets.load_example(name)
        sets[name] = (sentences, cache.embed(MINILM, encoder, sentences.texts))
    return sets


@pytest.mark.parametrize("name", sentence_sets.example_names())
@pytest.mark.parametrize("seed", [0, 7])
def test_accuracy_equals_scikit_learn_on_the_same_split(embedded, name, seed) -> None:
    sentences, vectors = embedded[name]
    fitted = clf.fit_classifier(
        sentences.texts, sentences.labels, vectors, split=SplitSettings(seed=seed)
    )
    # The same split and model, built here from scikit-learn directly.
    labels = np.array(sentences.labels)
    test_size = max(math.ceil(0.25 * len(labels)), len(set(labels)))
    train, test = train_test_split(
        np.arange(len(labels)), test_size=test_size, stratify=labels, random_state=seed
    )
    reference = LogisticRegression(C=10.0, max_iter=2000).fit(vectors[train], labels[train])
    expected = float((reference.predict(vectors[test]) == labels[test]).mean())
    assert fitted.accuracy == expected
    assert set(np.flatnonzero(fitted.held_out)) == set(test)
    assert 0.85 <= fitted.accuracy <= 1.0  # the embeddings separate these groups well


def test_confusion_matrix_and_points_agree_with_counting_by_hand(embedded) -> None:
    sentences, vectors = embedded["Sentiment"]
    fitted = clf.fit_classifier(sentences.texts, sentences.labels, vectors)
    classes = fitted.classes
    counted = np.zeros((len(classes), len(classes)), dtype=int)
    for truth, guess, test in zip(fitted.labels, fitted.predicted, fitted.held_out, strict=True):
        if test:
            counted[classes.index(truth), classes.index(guess)] += 1
    assert np.array_equal(fitted.confusion, counted)
    assert np.trace(counted) / counted.sum() == pytest.approx(fitted.accuracy)
    status = fitted.point_status()
    assert status.count("right") + status.count("wrong") == fitted.held_out.sum()
    assert status.count("wrong") == counted.sum() - np.trace(counted) > 0  # some mistakes
    # Stratified: each class holds out about a quarter of its sentences.
    for label in classes:
        members = [i for i, y in enumerate(fitted.labels) if y == label]
        held = sum(fitted.held_out[i] for i in members)
        assert abs(held - 0.25 * len(members)) <= 1


def test_a_new_sentence_gets_its_class_and_probabilities(real_registry, cache) -> None:
    fitted = clf.fit_on_set(
        real_registry, MINILM, sentence_sets.load_example("Five topics"), cache=cache
    )
    ranked = clf.classify_text(
        real_registry, fitted, "The striker scored twice in extra time", cache=cache
    )
    assert ranked[0][0] == "sport" and ranked[0][1] > 0.5
    assert sum(p for _, p in ranked) == pytest.approx(1.0, abs=1e-6)
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)
    vector = cache.embed(MINILM, None, ["The striker scored twice in extra time"])[0]  # cached
    direct = fitted.model.predict_proba(vector[None])[0]
    assert dict(ranked) == pytest.approx(dict(zip(fitted.model.classes_, direct, strict=True)))
    with pytest.raises(InvalidInputError, match="Type a sentence"):
        clf.classify_text(real_registry, fitted, "   ", cache=cache)


def test_the_split_depends_on_the_seed_only(embedded) -> None:
    sentences, vectors = embedded["Words in groups"]
    first = clf.fit_classifier(
        sentences.texts, sentences.labels, vectors, split=SplitSettings(seed=3)
    )
    again = clf.fit_classifier(
        sentences.texts, sentences.labels, vectors, split=SplitSettings(seed=3)
    )
    other = clf.fit_classifier(
        sentences.texts, sentences.labels, vectors, split=SplitSettings(seed=4)
    )
    assert np.array_equal(first.held_out, again.held_out) and first.predicted == again.predicted
    assert not np.array_equal(first.held_out, other.held_out)


def small(labels: list[str]) -> tuple[list[str], list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(labels), 8)).astype(np.float32)
    return [f"sentence {i}" for i in range(len(labels))], labels, vectors


def test_the_smallest_usable_set_holds_out_one_per_class() -> None:
    texts, labels, vectors = small(["a", "a", "b", "b"])
    fitted = clf.fit_classifier(texts, labels, vectors)
    assert fitted.held_out.sum() == 2
    assert sorted(np.array(labels)[fitted.held_out]) == ["a", "b"]


def test_sentences_without_a_label_are_left_out_with_a_note() -> None:
    texts, labels, vectors = small(["a", "a", "b", "b", "(no label)", "a"])
    fitted = clf.fit_classifier(texts, labels, vectors)
    assert "sentence 4" not in fitted.texts and len(fitted.texts) == 5
    assert any("without a label" in note for note in fitted.notes)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (["a", "a", "a", "a"], "same label \\('a'\\)"),
        (["(no label)"] * 4, "same label"),
        (["a", "a", "a", "b"], "'b' has only one example"),
        (["a", "b", "c", "c"], "'a' has only one example.*2 classes"),
        (None, "no labels"),
    ],
)
def test_sets_a_classifier_cannot_learn_from_are_refused(labels, message) -> None:
    texts, _, vectors = small(["x"] * 4)
    with pytest.raises(InvalidInputError, match=message):
        clf.fit_classifier(texts, labels, vectors)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"test_fraction": math.nan}, "held-out share"),
        ({"test_fraction": 0.9}, "held-out share"),
        ({"test_fraction": "a lot"}, "held-out share"),
        ({"seed": -1}, "split seed"),
        ({"seed": 1.5}, "split seed"),
    ],
)
def test_bad_settings_are_refused(settings, message) -> None:
    texts, labels, vectors = small(["a", "a", "b", "b"])
    with pytest.raises(InvalidInputError, match=message):
        clf.fit_classifier(texts, labels, vectors, split=SplitSettings(**settings))


def test_an_upload_without_its_label_column_gets_a_sentence(real_registry, tmp_path) -> None:
    upload = tmp_path / "reviews.csv"
    upload.write_text("text,stars\nGreat film\nAwful film\nFine film\n", encoding="utf-8")
    sentences = sentence_sets.from_upload(upload, "text", "label")  # no 'label' column
    assert sentences.labels is None
    with pytest.raises(InvalidInputError, match=r"no labels.*Label column"):
        clf.fit_on_set(real_registry, MINILM, sentences)
    with pytest.raises(InvalidInputError, match="no column 'sentiment'"):
        sentence_sets.from_upload(upload, "text", "sentiment")


def test_an_uploaded_labelled_set_trains(real_registry, cache, tmp_path) -> None:
    rows = ["text,label"]
    rows += [f"I loved the {thing} so much,positive" for thing in ("film", "meal", "trip", "song")]
    rows += [
        f"The {thing} was a terrible waste,negative" for thing in ("film", "meal", "trip", "song")
    ]
    upload = tmp_path / "mine.csv"
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")
    sentences = sentence_sets.from_upload(upload, "text", "label")
    fitted = clf.fit_on_set(real_registry, MINILM, sentences, cache=cache)
    assert fitted.classes == ["negative", "positive"] and fitted.held_out.sum() == 2
    assert clf.classify_text(real_registry, fitted, "What a wonderful day", cache=cache)[0][0] == (
        "positive"
    )
