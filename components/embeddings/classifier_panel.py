"""The Embeddings tab's classifier section: a predictive model trained on the same embeddings the
map shows, drawn next to the map so a class sees one label out (predictive) beside the Text tab's
new text out (generative). Layout and wiring only; the work is in classifier_handlers.py.

Not here: the map (tab.py) or the model math (models/embeddings/classifier.py).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.concurrency import SESSION_TTL, heavy
from components.embeddings.classifier_handlers import (
    ClassifierState,
    classify_sentence,
    train_classifier,
)
from components.embeddings.handlers import MapState
from components.errors import user_errors
from models.builtin import MINILM
from models.embeddings.classifier import (
    IDEA,
    MAX_TEST_FRACTION,
    MIN_TEST_FRACTION,
    SPLIT_SEED,
    TEST_FRACTION,
)
from models.registry import Registry
from models.validation import MAX_SEED

DEFAULT_SET = "Sentiment"  # a built-in labelled set (tests/test_embeddings_classifier_tab.py)
INTRO = (
    "### A predictive model on these embeddings\n"
    f"{IDEA} Train a logistic regression on the labelled set picked above: part of each class "
    "is held out, so the accuracy is measured on sentences the classifier never saw."
)


def build_classifier_panel(registry: Registry, sources: list[Any], map_state: gr.State) -> None:
    """Draw the section; ``sources`` are the tab's (source, example, upload, text column, label
    column, model) controls, so the classifier reads exactly the set the map reads."""
    fitted = gr.State(ClassifierState(), time_to_live=SESSION_TTL)
    with gr.Accordion("Predictive model: classify sentences", open=False, elem_id="classifier"):
        gr.Markdown(INTRO)
        with gr.Row(equal_height=True):
            test_fraction = gr.Slider(
                MIN_TEST_FRACTION, MAX_TEST_FRACTION, value=TEST_FRACTION, step=0.05,
                label="Share held out for testing", scale=2,
            )  # fmt: skip
            seed = gr.Number(SPLIT_SEED, label="Split seed", precision=0, minimum=0,
                             maximum=MAX_SEED, scale=1)  # fmt: skip
            train_button = gr.Button("Train classifier", variant="primary", scale=1,
                                     elem_id="classifier-train")  # fmt: skip
        summary = gr.Markdown(elem_id="classifier-summary")
        with gr.Row():
            confusion = gr.Plot(label="Confusion matrix (held-out sentences)",
                                elem_id="classifier-confusion")  # fmt: skip
            points = gr.Plot(label="Right and wrong on the map", elem_id="classifier-map")
        predictions = gr.File(label="Predictions (CSV)", interactive=False, height=110)
        with gr.Row(equal_height=True):
            sentence = gr.Textbox(
                label="Classify a new sentence", scale=4,
                placeholder="The film was a delight from start to finish.",
            )  # fmt: skip
            classify_button = gr.Button("Classify", scale=1, elem_id="classifier-classify")
        probabilities = gr.Dataframe(
            headers=["class", "probability"],
            interactive=False,
            label="Class probabilities",
            elem_id="classifier-probs",
        )
        bars = gr.Plot(label="Class probabilities", elem_id="classifier-bars")

    @user_errors
    def train(
        source: str = "Example set", example: str | None = DEFAULT_SET, upload: Any = None,
        text_column: str = "text", label_column: str = "label", model: str = MINILM,
        test_fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED,
        state: MapState | None = None,
    ):  # fmt: skip
        return train_classifier(
            registry, source, example, upload, text_column, label_column, model,
            test_fraction, seed, state,
        )  # fmt: skip

    @user_errors
    def classify(sentence: str, fitted: ClassifierState | None = None):
        return classify_sentence(registry, sentence, fitted)

    train_button.click(
        train, [*sources, test_fraction, seed, map_state],
        [summary, confusion, points, predictions, fitted],
        api_name="train_classifier", **heavy(),
    )  # fmt: skip
    gr.on(
        [classify_button.click, sentence.submit], classify, [sentence, fitted],
        [probabilities, bars], api_name="classify_sentence",
    )  # fmt: skip
