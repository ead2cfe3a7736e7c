"""Speed of our image model: 25 DPM-Solver++ steps with guidance, one image and a batch of 16.

    .venv/bin/python bench/image.py

Goals (2 CPU cores): one image <= 1 s, a batch of 16 <= 5 s. The baseline is the same sampling
loop without our optimisations, timed in the same run: autograd left on, and the conditional and
unconditional predictions as two UNet calls per step instead of one batched call.
Prompt encoding is included in both.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from models.builtin import default_registry
from models.image.catalog import OWN_MODEL
from models.image.diffusion import OwnDiffusionModel, generate, starting_noise
from models.image.request import ImageRequest
from models.image.schedulers import make_scheduler
from models.image.tiny_model import PromptEmbedding, unet_forward

PROMPT = "a red cat on a white background"
REPEATS = 3


def unoptimised(model: OwnDiffusionModel, request: ImageRequest) -> torch.Tensor:
    """The textbook loop: autograd on, two UNet calls per step."""
    scheduler = make_scheduler(request.scheduler, model.scheduler_config)
    scheduler.set_timesteps(request.steps)
    latents = starting_noise(model, request.seed, request.batch) * scheduler.init_noise_sigma
    both = model.encode([request.prompt, request.negative_prompt])
    cond = PromptEmbedding(both.tokens[:1], both.mask[:1], both.pooled[:1]).repeat(request.batch)
    uncond = PromptEmbedding(both.tokens[1:], both.mask[1:], both.pooled[1:]).repeat(request.batch)
    for t in scheduler.timesteps:
        model_input = scheduler.scale_model_input(latents, t)
        eps_cond = unet_forward(model.unet, model_input, t, cond)
        eps_uncond = unet_forward(model.unet, model_input, t, uncond)
        eps = eps_uncond + request.guidance * (eps_cond - eps_uncond)
        latents = scheduler.step(eps, t, latents).prev_sample.detach()
    return latents


def timed(fn, *args) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    model = default_registry({}).load(OWN_MODEL, kind="text-to-image")
    generate(model, ImageRequest.checked(prompt=PROMPT, steps=2))  # warm-up: embedder, allocator
    print(f"torch threads: {torch.get_num_threads()}, median of {REPEATS} runs")
    for batch, goal in ((1, 1.0), (16, 5.0)):
        request = ImageRequest(prompt=PROMPT, batch=batch)  # the tab's defaults: 25 steps, ...
        ours = timed(generate, model, request)
        base = timed(unoptimised, model, request)
        verdict = "meets" if ours <= goal else "MISSES"
        print(f"batch {batch:2d}, 25 steps: ours {ours:.3f} s, unoptimised loop {base:.3f} s, "
              f"{base / ours:.2f}x faster; goal <= {goal:g} s: {verdict}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
