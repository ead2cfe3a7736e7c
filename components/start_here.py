"""Start here: the ideas the playground shows, each in a few sentences, each linked to its tab.

The text is the playground's own; the concepts follow shared/reference/seed-generative-ai.txt.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from components.tab_contract import BuiltTab


@dataclass(frozen=True)
class Concept:
    title: str
    text: str
    tab_id: str
    tab_title: str


INTRO = """\
# Explore generative models, with real models, on your own machine

A **generative** model learns the patterns in a large collection of examples and then produces
*new* examples that follow them: a sentence nobody wrote before, an image nobody drew.
A **predictive** model learns from examples too, but answers with a label or a number about an
input it is given: *spam or not*, *tomorrow's temperature*. Under the hood the two are close
relatives: a language model is a predictor of the next word, and it becomes generative by
predicting, picking a word, and feeding it back in, again and again.
"""

LIFE_CYCLE = """\
### The life cycle of a generative model
<div class="life-cycle">
<span>1 · Collect data</span> → <span>2 · Pre-process</span> → <span>3 · Train</span> →
<span>4 · Fine-tune</span> → <span>5 · Deploy</span> → <span>6 · Maintain</span>
</div>

1. **Collect**: gather lots of examples, such as web text or captioned images. The Embeddings and
   Fine-tune tabs ship small collections written for this playground, and accept your own.
2. **Pre-process**: clean the data and turn it into numbers: text is split into *tokens*
   (the Tokens tab splits one text with several tokenizers), images are scaled to a fixed size.
3. **Train**: the model adjusts millions of numbers so that it predicts its data well. The image
   model in the Image tab was trained from scratch by a script in this project.
4. **Fine-tune**: a trained model is adapted to a narrower task or style with a few examples
   (the Fine-tune tab does this in one to two minutes).
5. **Deploy**: the model is put behind an app or an API; this playground is one, and every tab
   can also be called from code.
6. **Maintain**: models are monitored, updated and replaced; the Models tab shows which versions
   this server runs and where they came from.
"""

CONCEPTS = (
    Concept(
        "Text generation: one token at a time",
        "A language model reads a prompt and outputs a probability for every token in its "
        "vocabulary. A sampler picks one (temperature, top-k and top-p decide how adventurous it "
        "is), appends it, and repeats.",
        "text",
        "Text",
    ),
    Concept(
        "Diffusion: from noise to a picture",
        "An image model learns to remove a little noise from an image. Starting from pure noise "
        "and denoising step by step, guided by a prompt, it produces a new picture.",
        "image",
        "Image",
    ),
    Concept(
        "Embeddings: meaning as geometry",
        "An embedding turns a sentence (or a word, or an image) into a list of numbers, a vector. "
        "Sentences with similar meanings get nearby vectors, so distance becomes a measure of "
        "similarity that programs can compute.",
        "embeddings",
        "Embeddings",
    ),
    Concept(
        "Transformers and self-attention",
        "Transformers are the neural-network architecture behind today's language models. In each "
        "layer, every token looks at the others and decides how much each matters to it; this is "
        "self-attention. All tokens are processed in parallel, which makes long-range connections "
        "cheap to learn.",
        "attention",
        "Attention",
    ),
    Concept(
        "Transfer learning and fine-tuning",
        "Knowledge learned on one task can be reused for another. Fine-tuning is the most common "
        "way: start from a pretrained model and keep training it briefly on a small, specialised "
        "data set, so it picks up a new skill or style without learning language from scratch.",
        "finetune",
        "Fine-tune",
    ),
)


def build(tabs: gr.Tabs) -> BuiltTab:
    """Concept cards whose buttons switch ``tabs`` to the tab that demonstrates the concept."""
    gr.Markdown(INTRO, elem_classes=["intro"])
    with gr.Row(equal_height=True):
        for concept in CONCEPTS:
            with gr.Column(min_width=220, elem_classes=["concept-card"]):
                gr.Markdown(f"### {concept.title}\n\n{concept.text}")
                button = gr.Button(f"Open the {concept.tab_title} tab →", size="sm")
                button.click(
                    lambda tab=concept.tab_id: gr.Tabs(selected=tab),
                    outputs=tabs,
                    api_visibility="private",
                    show_progress="hidden",
                    queue=False,
                )
    gr.Markdown(LIFE_CYCLE, elem_classes=["life-cycle-text"])
    return BuiltTab()
