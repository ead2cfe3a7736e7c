"""A predictive model next to the generative ones: logistic regression on sentence embeddings.

For a labelled set (a built-in one from models/embeddings/sentence_sets.py, or an upload with a
label column), ``fit_classifier`` holds out a stratified share of the sentences (fixed seed), fits
scikit-learn's ``LogisticRegression`` on the embeddings of the rest and reports held-out accuracy, a
confusion matrix and, for every point, its prediction and whether it was right (to colour the map).
``classify`` then names the class of a new sentence, with probabilities.

The embeddings are the ones the map already holds (models/embeddings/cache.py caches them by
model and sentence), so nothing is embedded twice; ``fit_on_set`` embeds through that cache
when called on its own.

Not here: the map or any UI.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.embeddings.cache import SHARED_CACHE, EmbeddingCache
from models.embeddings.sentence_sets import SentenceSet
from models.errors import InvalidInputError
from models.sentences import sentence
from models.settings import Settings, setting
from models.validation import MAX_SEED

# Embeddings are unit vectors with small coordinates (~0.05), so scikit-learn's default C = 1
# regularises hard. Held-out accuracy (seed 0) with C = 1 / 10 / 100: Five topics 100/100/100%,
# Words in groups 91/96/95%, Sentiment 90/90/90%.
REGULARISATION_C = 10.0
MAX_ITER = 2000
NO_LABEL = "(no label)"  # what models/embeddings/sentence_sets.py writes for an empty label cell
MAX_SENTENCE_CHARS = 1_000
IDEA = (
    "A predictive model maps an input to one label out of a fixed set (here: which group a "
    "sentence belongs to); the Text tab's generative model writes new text instead."
)


@dataclass(frozen=True)
class SplitSettings(Settings):
    """How the labelled set is split for an honest accuracy: each setting declared once, read
    by the classifier section's widgets, its API and ``fit_classifier``."""

    # the share of each class held out for the accuracy (stratified)
    test_fraction: float = setting(
        0.25, low=0.1, high=0.5, step=0.05, label="Share held out for testing",
        noun="The held-out share",
    )  # fmt: skip
    seed: int = setting(0, low=0, high=MAX_SEED, label="Split seed", noun="The split seed")


@dataclass
class Classifier:
    """A fitted classifier, its held-out evaluation and every point's prediction."""

    model: Any  # sklearn LogisticRegression
    classes: list[str]
    texts: list[str]
    labels: list[str]
    predicted: list[str]  # for every point, in the order of ``texts``
    held_out: np.ndarray  # bool per point: in the test split
    accuracy: float  # on the held-out points
    train_accuracy: float
    confusion: np.ndarray  # confusion[true class][predicted class], held-out points
    seconds: float  # fitting and evaluating, embeddings not included
    embedder: str = ""  # which sentence embedder made the embeddings (for ``classify_text``)
    notes: list[str] = field(default_factory=list)

    @property
    def correct(self) -> np.ndarray:
        """Bool per point: the prediction equals the label."""
        return np.array([p == y for p, y in zip(self.predicted, self.labels, strict=True)])

    def point_status(self) -> list[str]:
        """Per point, for colouring the map: "right"/"wrong" (held out) or "train"."""
        return [
            ("right" if ok else "wrong") if test else "train"
            for ok, test in zip(self.correct, self.held_out, strict=True)
        ]


def split_sizes(counts: Counter[str], fraction: float) -> int:
    """How many points the stratified split holds out: the fraction, but at least one per class
    and leaving at least one per class to train on."""
    total = sum(counts.values())
    return min(max(math.ceil(fraction * total), len(counts)), total - len(counts))


def fit_classifier(
    texts: list[str],
    labels: list[str] | None,
    embeddings: np.ndarray,
    *,
    split: SplitSettings = SplitSettings(),  # frozen: one shared default is safe
    embedder: str = "",
) -> Classifier:
    """Hold out a stratified ``split.test_fraction`` (with ``split.seed``), fit on the rest,
    evaluate."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import train_test_split

    split = split.validated()
    fraction, seed = split.test_fraction, split.seed
    texts, labels, embeddings, notes = _labelled_points(texts, labels, embeddings)
    counts = Counter(labels)
    started = time.perf_counter()
    indices = np.arange(len(texts))
    train, test = train_test_split(
        indices, test_size=split_sizes(counts, fraction), stratify=labels, random_state=seed
    )
    y = np.array(labels)
    model = LogisticRegression(C=REGULARISATION_C, max_iter=MAX_ITER)
    model.fit(embeddings[train], y[train])
    predicted = model.predict(embeddings)
    classes = [str(c) for c in model.classes_]
    held_out = np.zeros(len(texts), dtype=bool)
    held_out[test] = True
    right = predicted == y
    confusion = confusion_matrix(y[test], predicted[test], labels=classes)
    seconds = time.perf_counter() - started
    notes.append(
        sentence(
            "Trained on {train} sentences, tested on {test} held out ({share} of each class, "
            "seed {seed}).",
            train=len(train), test=len(test), share=f"{fraction:.0%}", seed=seed,
        )
    )  # fmt: skip
    return Classifier(
        model,
        classes,
        texts,
        labels,
        [str(p) for p in predicted],
        held_out,
        float(right[test].mean()),
        float(right[train].mean()),
        confusion,
        seconds,
        embedder,
        notes,
    )


def _labelled_points(
    texts: list[str], labels: list[str] | None, embeddings: np.ndarray
) -> tuple[list[str], list[str], np.ndarray, list[str]]:
    """The points that carry a label, or a sentence saying why there is nothing to learn."""
    if labels is None:
        raise InvalidInputError(
            "These sentences have no labels, so there is nothing to predict: pick a built-in "
            "set, or upload a CSV and name its label column in 'Label column'."
        )
    if len(labels) != len(texts) or len(embeddings) != len(texts):
        raise InvalidInputError("Texts, labels and embeddings must be the same length.")
    keep = [i for i, label in enumerate(labels) if label and label != NO_LABEL]
    notes = []
    if len(keep) < len(texts):
        notes.append(sentence("Left out {n} sentences without a label.", n=len(texts) - len(keep)))
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep]
    counts = Counter(labels)
    if len(counts) < 2:
        only = f" ('{next(iter(counts))}')" if counts else ""
        raise InvalidInputError(
            f"Every labelled sentence has the same label{only}; a classifier needs at least "
            "two classes to tell apart."
        )
    lonely = sorted(label for label, count in counts.items() if count < 2)
    if lonely:
        raise InvalidInputError(
            f"The class '{lonely[0]}' has only one example; every class needs at least two "
            "(one to train on, one to test), so add examples or drop it"
            + (f" ({len(lonely)} classes have one)." if len(lonely) > 1 else ".")
        )
    return texts, labels, np.asarray(embeddings)[keep], notes


def fit_on_set(
    registry: Any,
    embedder: str,
    sentences: SentenceSet,
    *,
    split: SplitSettings = SplitSettings(),
    cache: EmbeddingCache = SHARED_CACHE,
) -> Classifier:
    """Embed ``sentences`` (cached) with the registry's ``embedder`` and fit on them."""
    if sentences.labels is None:  # refuse before loading a model or embedding anything
        _labelled_points(sentences.texts, None, np.zeros((0, 0)))
    encoder = registry.load(embedder, kind="sentence-embedder")
    vectors = cache.embed(embedder, encoder, sentences.texts)
    fitted = fit_classifier(
        sentences.texts,
        sentences.labels,
        vectors,
        split=split,
        embedder=embedder,
    )
    fitted.notes[:0] = sentences.notes
    return fitted


def classify(classifier: Classifier, vector: np.ndarray) -> list[tuple[str, float]]:
    """(class, probability) for one embedding, most likely first."""
    probabilities = classifier.model.predict_proba(np.asarray(vector, dtype=np.float32)[None])[0]
    ranked = sorted(
        zip(classifier.model.classes_, probabilities, strict=True), key=lambda pair: -pair[1]
    )
    return [(str(label), float(p)) for label, p in ranked]


def classify_text(
    registry: Any, classifier: Classifier, sentence: Any, cache: EmbeddingCache = SHARED_CACHE
) -> list[tuple[str, float]]:
    """(class, probability) for a new sentence, embedded by the classifier's own embedder."""
    if not isinstance(sentence, str) or not sentence.strip():
        raise InvalidInputError("Type a sentence to classify.")
    if not classifier.embedder:
        raise InvalidInputError("This classifier does not know its embedder; train it again.")
    text = " ".join(sentence.split())[:MAX_SENTENCE_CHARS]
    encoder = registry.load(classifier.embedder, kind="sentence-embedder")
    return classify(classifier, cache.embed(classifier.embedder, encoder, [text])[0])
