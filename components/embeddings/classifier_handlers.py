"""Handlers of the Embeddings tab's classifier section: plain typed functions, testable without a
browser. ``train_classifier`` reads a labelled set (built-in or an uploaded CSV, through the map's
own reader), fits models/embeddings/classifier.py's logistic regression with a held-out split and
draws the results; ``classify_sentence`` names the class of a new sentence. The fitted model lives
in ``ClassifierState`` (a ``gr.State``), never in a module global.

Not here: the layout (components/embeddings/classifier_panel.py) or the model math.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from components.embeddings.classifier_plots import (
    confusion_figure,
    probability_figure,
    right_wrong_figure,
)
from components.embeddings.handlers import MapState
from components.exports import export_dir, write_csv
from models.embeddings.cache import SHARED_CACHE, EmbeddingCache
from models.embeddings.classifier import Classifier, SplitSettings, classify_text, fit_classifier
from models.embeddings.projection import ProjectionSettings, project
from models.embeddings.sentence_sets import EXAMPLE_SET, UPLOAD_FILE, SentenceInput
from models.errors import InvalidInputError
from models.registry import Registry
from models.sentences import joined, lines, sentence

PREDICTION_COLUMNS = ["text", "label", "predicted", "correct", "split"]


@dataclass
class ClassifierState:
    """One user's fitted classifier (kept in ``gr.State``)."""

    classifier: Classifier | None = None


def train_classifier(
    registry: Registry,
    model: Any,
    file: Any = None,
    *,
    sentences: SentenceInput,
    split: SplitSettings,
    map_state: MapState | None = None,
    cache: EmbeddingCache = SHARED_CACHE,
) -> tuple[str, go.Figure, go.Figure, str, ClassifierState]:
    """(summary, confusion matrix, map coloured right/wrong, predictions CSV path, new state)
    for the labelled set ``sentences`` names (``file``: an upload's path)."""
    if sentences.source not in (EXAMPLE_SET, UPLOAD_FILE):
        raise InvalidInputError(
            "A classifier needs labels: pick 'Example set' or upload a CSV with a label column."
        )
    if not isinstance(model, str) or not model:
        raise InvalidInputError("Pick a sentence-embedding model.")
    if sentences.source == UPLOAD_FILE and not sentences.label_column.strip():
        raise InvalidInputError(
            "Name the CSV's label column in 'Label column': the classifier learns those labels."
        )
    labelled = sentences.read(file)
    if labelled.labels is None:
        raise InvalidInputError(
            f"The file has no label column '{sentences.label_column}': add one, or type the "
            "name of the column that holds the labels in 'Label column'."
        )
    encoder = registry.load(model, kind="sentence-embedder")
    vectors = cache.embed(model, encoder, labelled.texts)
    fitted = fit_classifier(labelled.texts, labelled.labels, vectors, split=split, embedder=model)
    fitted.notes[:0] = labelled.notes
    coords, method = _map_coords(fitted, map_state, cache, model, encoder)
    summary = _summary(fitted)
    return (
        summary,
        confusion_figure(fitted.confusion, fitted.classes),
        right_wrong_figure(coords, fitted.texts, fitted.labels, fitted.point_status(), method),
        str(predictions_csv(fitted)),
        ClassifierState(fitted),
    )


def classify_sentence(
    registry: Registry, sentence: str, state: ClassifierState | None
) -> tuple[list[list[Any]], go.Figure]:
    """(rows of class and probability, most likely first; bar chart) for a new sentence."""
    if not isinstance(state, ClassifierState) or state.classifier is None:
        raise InvalidInputError(
            "There is no classifier yet: press 'Train classifier' (or call /train_classifier in "
            "the same client session) first."
        )
    ranked = classify_text(registry, state.classifier, sentence)
    rows = [[label, round(p, 4)] for label, p in ranked]
    return rows, probability_figure(ranked)


def predictions_csv(fitted: Classifier) -> Path:
    rows = [
        [text, label, predicted, predicted == label, "test" if test else "train"]
        for text, label, predicted, test in zip(
            fitted.texts, fitted.labels, fitted.predicted, fitted.held_out, strict=True
        )
    ]
    return write_csv(PREDICTION_COLUMNS, rows, export_dir("embeddings") / "predictions.csv")


def _map_coords(fitted, map_state, cache, model, encoder):
    """The map's own 2-D coordinates when it shows these sentences; else a quick PCA."""
    if (
        isinstance(map_state, MapState)
        and map_state.projection is not None
        and map_state.model == model
        and map_state.texts == fitted.texts
        and map_state.projection.coords.shape[1] == 2
    ):
        return map_state.projection.coords, map_state.projection.method
    vectors = cache.embed(model, encoder, fitted.texts)
    projection = project(vectors, ProjectionSettings(method="PCA", dimensions=2))
    return projection.coords, projection.method


def _summary(fitted: Classifier) -> str:
    test = int(fitted.held_out.sum())
    right = int((fitted.correct & fitted.held_out).sum())
    accuracy = sentence(
        "**Held-out accuracy {accuracy}** ({right} of {test} sentences it never saw in training; "
        "{train} on the training sentences). {classes} classes; fitting took {seconds} s.",
        accuracy=f"{fitted.accuracy:.1%}", right=right, test=test,
        train=f"{fitted.train_accuracy:.1%}", classes=len(fitted.classes),
        seconds=f"{fitted.seconds:.2f}",
    )  # fmt: skip
    return lines(accuracy, *(joined("", "- ", note) for note in fitted.notes))
