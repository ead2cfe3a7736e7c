"""Background warm-up after launch: pay every one-off cost before the first user clicks.

In order, in one daemon thread (two cores gain nothing from doing these in parallel):
1. load the default language model and sentence embedder (registry),
2. start the Text tab's engine (llama.cpp in-process, about a second; or reach the server) and
   write one token with it, and build the exact fp32 decode loop,
3. compile umap-learn's numba code with a projection of a first map's size (10-30 s),
4. load our image model and draw one small picture (a fresh process pays ~8 s for it),
5. one full-precision pass of the language model (the colours after a generation use it).
Failures are recorded in the models panel (loads) or logged (the rest); nothing is raised.
"""

from __future__ import annotations

import logging
import threading

from models.registry import Registry

log = logging.getLogger("playground")

# What each warm-up task makes ready, as the page's progress line names it (translated there).
TEXT_ENGINE = "the text engine"
MAP_ENGINE = "the map engine (UMAP)"
IMAGE_DRAWING = "image drawing"
TOKEN_COLOURS = "the token colours"
TOKENIZERS = "the tokenizers"


def warm_up_lens(registry: Registry) -> None:
    from models.text.tokenizer_lens import warm_up_lens as read_vocabularies

    read_vocabularies(registry)


def start_text_engine(registry: Registry) -> None:
    from models.text.backends.base import TextRequest
    from models.text.backends.selection import text_backend
    from models.text.decode_loop import DecodeLoop
    from models.text.generation import SamplingSettings

    lm = registry.load(registry.default("causal-lm"), kind="causal-lm")
    DecodeLoop.for_model(lm.model)
    backend = text_backend(registry).backend
    if backend.kind != "transformers":  # the first request pays the engine's own start-up
        sampling = SamplingSettings(
            temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=1, repetition_penalty=1.0, seed=0
        )
        request = TextRequest("Hi", sampling, chat=False)
        for _ in backend.generate(request):
            pass


def compile_projection() -> None:
    from models.embeddings import projection

    projection.warm_up()


def draw_one_image(registry: Registry) -> None:
    from models.image.diffusion import generate
    from models.image.request import ImageRequest

    name = registry.default_or_none("text-to-image")
    if name is None or registry.needs_hub(name):
        return
    model = registry.load(name, kind="text-to-image")
    generate(model, ImageRequest(prompt="a red cat", steps=2, batch=1))


def score_once(registry: Registry) -> None:
    import torch

    lm = registry.load(registry.default("causal-lm"), kind="causal-lm")
    ids = lm.tokenizer("The sky is blue because", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        lm.model(ids.to(lm.device))


def start_warm_up(registry: Registry) -> threading.Thread:
    """Start the warm-up thread; the models panel shows "loading" while it runs."""
    return registry.warm_up(
        [registry.default("causal-lm"), registry.default("sentence-embedder")],
        then=[  # each labelled with what it makes ready (the page's progress line says it)
            (TEXT_ENGINE, lambda: start_text_engine(registry)),
            (MAP_ENGINE, compile_projection),
            (IMAGE_DRAWING, lambda: draw_one_image(registry)),
            (TOKEN_COLOURS, lambda: score_once(registry)),
            (TOKENIZERS, lambda: warm_up_lens(registry)),  # the Tokens tab's vocabularies
        ],
    )
