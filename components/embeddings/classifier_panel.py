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
from components.endpoints import endpoint, old_names
from components.errors import user_errors
from components.widgets import widgets
from models.builtin import MINILM
from models.embeddings.classifier import IDEA, SplitSettings
from models.embeddings.sentence_sets import SentenceInput
from models.registry import Registry

DEFAULT_SET = "Sentiment"  # a built-in labelled set (tests/test_embeddings_classifier_tab.py)
# What the classifier reads of the map's input: never the text box (it has no labels).
READS = ("source", "data", "text_column", "label_column")
# The API's names, as /project_embeddings's; the old ones work for one release, with a warning.
RENAMED = {"upload": "file", "example": "data"}
INTRO = (
    "### A predictive model on these embeddings\n"
    f"{IDEA} Train a logistic regression on the labelled set picked above: part of each class "
    "is held out, so the accuracy is measured on sentences the classifier never saw."
)


def build_classifier_panel(
    registry: Registry, sources: dict[str, Any], map_state: gr.State
) -> None:
    """Draw the section; ``sources`` are the tab's ``SentenceInput`` widgets by name, its file
    and its model, so the classifier reads exactly the set the map reads."""
    fitted = gr.State(ClassifierState(), time_to_live=SESSION_TTL)
    with gr.Accordion("Predictive model: classify sentences", open=False, elem_id="classifier"):
        gr.Markdown(INTRO)
        with gr.Row(equal_height=True):
            split = widgets(SplitSettings, test_fraction={"scale": 2}, seed={"scale": 1})
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

    def train(
        model: str = MINILM,
        file: str | None = None,
        *,
        sentences: SentenceInput,
        split: SplitSettings,
        state: MapState | None = None,
    ):
        return train_classifier(
            registry, model, file, sentences=sentences, split=split, map_state=state
        )

    def classify(sentence: str, fitted: ClassifierState | None = None):
        return classify_sentence(registry, sentence, fitted)

    old = old_names(RENAMED, files=("upload",))  # hidden: only API callers send them
    train_inputs = {
        "source": sources["source"], "data": sources["data"], "file": sources["file"],
        "text_column": sources["text_column"], "label_column": sources["label_column"],
        "model": sources["model"], **split, "state": map_state, **old,
    }  # fmt: skip
    labelled = SentenceInput(data=DEFAULT_SET)  # what a direct call reads unless told
    train_button.click(
        user_errors(endpoint(train, renamed=RENAMED, sentences=(labelled, READS),
                             split=SplitSettings)),
        inputs_kwargs=train_inputs,
        outputs=[summary, confusion, points, predictions, fitted],
        api_name="train_classifier", **heavy(),
    )  # fmt: skip
    gr.on(
        [classify_button.click, sentence.submit], user_errors(classify), [sentence, fitted],
        [probabilities, bars], api_name="classify_sentence",
    )  # fmt: skip
