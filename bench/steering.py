"""Speed of the steering views: guidance taken apart, the guidance x steps grid, the prompt
switch, forward noising, and the classifier on sentence embeddings, in one run.

    .venv/bin/python bench/steering.py

Goals (issue 18, 2 CPU cores, default models): guidance parts for 25 steps <= 2x one plain
generation; a 4 x 4 guidance x steps grid <= 10 s; the classifier on 200 sentences <= 1 s once
their embeddings are cached. Baselines, timed in the same run: a plain 25-step generation
(DPM-Solver++, guidance 3); the grid as 16 separate plain generations; embedding the 200
sentences from scratch. Medians of REPEATS runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from models.builtin import MINILM, default_registry
from models.embeddings import sentence_sets
from models.embeddings.cache import EmbeddingCache, encode
from models.embeddings.classifier import fit_classifier
from models.image.catalog import OWN_MODEL
from models.image.diffusion import generate
from models.image.forward_noise import DEFAULT_TIMESTEPS, forward_noise
from models.image.guidance import (
    DEFAULT_GRID_GUIDANCE,
    DEFAULT_GRID_STEPS,
    guidance_grid,
    guidance_parts,
)
from models.image.prompt_switch import DEFAULT_SWITCH_POINTS, prompt_switch, switch_strip
from models.image.request import ImageRequest

PROMPT = "a red cat on a white background"
REPEATS = 3


def timed(fn, *args, repeats: int = REPEATS, **kwargs) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def plain_cells(model, request: ImageRequest, scales, counts) -> None:
    for scale in scales:
        for steps in counts:
            cell = replace(request, steps=steps, guidance=scale)
            generate(model, cell)


def main() -> None:
    registry = default_registry({})
    model = registry.load(OWN_MODEL, kind="text-to-image")
    generate(model, ImageRequest.checked(prompt=PROMPT, steps=2))  # warm-up: embedder, allocator
    print(f"torch threads: {torch.get_num_threads()}, median of {REPEATS} runs", flush=True)
    request = ImageRequest(prompt=PROMPT, batch=1)  # the declared defaults: 25 steps, ...
    plain = timed(generate, model, request)
    print(f"plain generation, 25 steps: {plain:.3f} s", flush=True)

    for scale in (3.0, 1.0):
        settings = replace(request, guidance=scale)
        base = plain if scale == request.guidance else timed(generate, model, settings)
        parts = timed(guidance_parts, model, settings)
        print(
            f"guidance parts at all 25 steps, guidance {scale:g}: {parts:.3f} s, "
            f"{parts / base:.2f}x a plain generation ({base:.3f} s); goal <= 2x: "
            f"{verdict(parts <= 2 * base)}",
            flush=True,
        )

    for counts in (DEFAULT_GRID_STEPS, (10, 25, 40, 50)):
        grid = timed(guidance_grid, model, request, DEFAULT_GRID_GUIDANCE, counts, repeats=1)
        cells = timed(plain_cells, model, request, DEFAULT_GRID_GUIDANCE, counts, repeats=1)
        print(
            f"4 x 4 grid, guidance {list(DEFAULT_GRID_GUIDANCE)} x steps {list(counts)}: "
            f"{grid:.2f} s, 16 plain generations {cells:.2f} s ({cells / grid:.2f}x faster); "
            f"goal <= 10 s: {verdict(grid <= 10)}",
            flush=True,
        )

    second = "a blue square on a white background"
    switch = timed(prompt_switch, model, request, second, 10)
    strip = timed(switch_strip, model, request, second, DEFAULT_SWITCH_POINTS, repeats=1)
    print(
        f"prompt switch, 25 steps: {switch:.3f} s ({switch / plain:.2f}x plain); strip of "
        f"{len(DEFAULT_SWITCH_POINTS)} switch points: {strip:.2f} s",
        flush=True,
    )
    noising = timed(forward_noise, model, DEFAULT_TIMESTEPS)
    print(
        f"forward noising at {len(DEFAULT_TIMESTEPS)} timesteps (one UNet call): {noising:.3f} s",
        flush=True,
    )

    sentences = sentence_sets.load_example("Five topics")
    encoder = registry.load(MINILM, kind="sentence-embedder")
    cache = EmbeddingCache()
    embed = timed(encode, encoder, sentences.texts, repeats=1)
    vectors = cache.embed(MINILM, encoder, sentences.texts)
    fit = timed(fit_classifier, sentences.texts, sentences.labels, vectors, repeats=5)
    fitted = fit_classifier(sentences.texts, sentences.labels, vectors)
    print(
        f"classifier on {len(sentences)} cached sentences ({len(fitted.classes)} classes): "
        f"{fit:.3f} s, embedding them from scratch {embed:.2f} s ({embed / fit:.1f}x the fit); "
        f"held-out accuracy {fitted.accuracy:.1%}; goal <= 1 s: {verdict(fit <= 1)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
