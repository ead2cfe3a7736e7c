"""The Embeddings tab's classifier handlers on the real all-MiniLM-L6-v2: the accuracy shown
equals scikit-learn's on the same split fitted here, the predictions CSV matches the points, a
new sentence gets probabilities that sum to one, and each refusal is a sentence."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from components.embeddings.classifier_handlers import (
    ClassifierState,
    classify_sentence,
    train_classifier,
)
from models.builtin import MINILM
from models.embeddings import sentence_sets
from models.embeddings.cache import EmbeddingCache
from models.embeddings.classifier import SplitSettings
from models.embeddings.sentence_sets import SentenceInput
from models.errors import InvalidInputError


def train(registry, source, data=None, file=None, test_fraction=0.25, seed=0, **kwargs):
    """``train_classifier`` on checked settings, as the panel's endpoint gives them."""
    return train_classifier(
        registry, MINILM, file, sentences=SentenceInput.checked(source=source, data=data),
        split=SplitSettings.checked(test_fraction=test_fraction, seed=seed), **kwargs,
    )  # fmt: skip


@pytest.fixture(scope="module")
def trained(real_registry):
    cache = EmbeddingCache()
    result = train(real_registry, "Example set", "Sentiment", seed=3, cache=cache)
    return result, cache


def test_shown_accuracy_equals_scikit_learn_on_the_same_split(real_registry, trained) -> None:
    (summary, confusion, points, csv_path, state), cache = trained
    sentences = sentence_sets.load_example("Sentiment")
    encoder = real_registry.load(MINILM, kind="sentence-embedder")
    vectors = cache.embed(MINILM, encoder, sentences.texts)
    labels = np.array(sentences.labels)
    test_size = max(math.ceil(0.25 * len(labels)), len(set(labels)))
    train, test = train_test_split(
        np.arange(len(labels)), test_size=test_size, stratify=labels, random_state=3
    )
    reference = LogisticRegression(C=10.0, max_iter=2000).fit(vectors[train], labels[train])
    expected = float((reference.predict(vectors[test]) == labels[test]).mean())
    assert state.classifier.accuracy == expected
    assert f"Held-out accuracy {expected:.1%}" in summary
    # The confusion matrix counts exactly the held-out sentences.
    assert int(np.asarray(confusion.data[0].z).sum()) == len(test)
    with Path(csv_path).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sum(len(trace.x) for trace in points.data) == len(labels)  # every point on the map
    assert len(rows) == len(labels)
    held = [r for r in rows if r["split"] == "test"]
    right = sum(r["correct"] == "True" for r in held)
    assert right / len(held) == pytest.approx(expected)


def test_a_new_sentence_gets_probabilities_that_sum_to_one(real_registry, trained) -> None:
    (_, _, _, _, state), _ = trained
    rows, figure = classify_sentence(real_registry, "I loved every minute of it.", state)
    assert sum(p for _, p in rows) == pytest.approx(1.0, abs=1e-3)
    assert [p for _, p in rows] == sorted((p for _, p in rows), reverse=True)
    assert {label for label, _ in rows} == set(state.classifier.classes)
    assert len(figure.data) == 1


def test_refusals_are_sentences(real_registry, tmp_path) -> None:
    with pytest.raises(InvalidInputError, match="needs labels"):
        train(real_registry, "Text box")
    with pytest.raises(InvalidInputError, match="no classifier yet"):
        classify_sentence(real_registry, "Hello.", ClassifierState())
    upload = tmp_path / "no_labels.csv"
    upload.write_text("text\nOne sentence.\nAnother sentence.\nA third one.\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="label column"):
        train(real_registry, "Upload a file", file=str(upload))
    one_class = tmp_path / "one_class.csv"
    one_class.write_text("text,label\nA.,x\nB.,x\nC.,x\nD.,x\n", encoding="utf-8")
    with pytest.raises(InvalidInputError):
        train(real_registry, "Upload a file", file=str(one_class))


def test_the_default_labelled_set_is_a_built_in_one() -> None:
    from components.embeddings.classifier_panel import DEFAULT_SET
    from models.embeddings.sentence_sets import example_names

    assert DEFAULT_SET in example_names()
