"""Sampling from a text-to-image diffusion model: our own model's loop, and the dispatcher.

``generate(model, request)`` runs our own model (models/image/tiny_model.py) with a readable loop
that can record, at every step, the noisy image the model sees and the clean image it predicts; hub
pipelines (models/image/hub_pipeline.py) are dispatched to their own code.

Concurrency: diffusers schedulers keep per-call state (step index, solver history), so every call
builds its own scheduler from the model's config; the UNet is only read. Randomness comes from a
per-call ``torch.Generator`` seeded by the request, so a seed always gives the same images.

Not here: drawing the UI (components/image/tab.py) or turning frames into grids and GIFs
(models/image/frames.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from models.image.request import (
    Frame,
    GenerationResult,
    ImageRequest,
    StepCallback,
    checked_text,
    to_uint8,
)
from models.image.schedulers import make_scheduler


# -- our own model -----------------------------------------------------------------------------
@dataclass
class OwnDiffusionModel:
    """Our UNet plus what it needs at sampling time; shared read-only by every user."""

    unet: Any
    scheduler_config: dict[str, Any]
    embedder: Callable[[], Any]  # returns the sentence embedder (loaded lazily by the registry)
    resolution: int = 32

    def encode(self, prompts: list[str]) -> Any:
        from models.image.tiny_model import encode_prompts

        return encode_prompts(self.embedder(), prompts)


def generate(
    model: Any,
    request: ImageRequest,
    *,
    on_step: StepCallback | None = None,
    keep_frames: bool = False,
    noise: Any = None,
) -> GenerationResult:
    """Images for ``request`` from ``model`` (ours or a hub pipeline).

    ``noise`` (a tensor shaped like the starting latents) overrides the seed's starting noise, so
    two prompts can start from the very same noise. ``keep_frames`` records one Frame per step.
    """
    from models.image.hub_pipeline import HubPipelineModel, generate_with_pipeline

    if isinstance(model, HubPipelineModel):
        return generate_with_pipeline(model, request, on_step=on_step, keep_frames=keep_frames)
    return _sample_own(model, request, on_step=on_step, keep_frames=keep_frames, noise=noise)


def starting_noise(model: OwnDiffusionModel, seed: int, batch: int) -> Any:
    import torch

    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 3, model.resolution, model.resolution, generator=generator)


def _sample_own(
    model: OwnDiffusionModel,
    request: ImageRequest,
    *,
    on_step: StepCallback | None,
    keep_frames: bool,
    noise: Any,
) -> GenerationResult:
    import torch

    from models.image.tiny_model import PromptEmbedding, unet_forward

    scheduler = make_scheduler(request.scheduler, model.scheduler_config)
    scheduler.set_timesteps(request.steps)
    generator = torch.Generator().manual_seed(request.seed)  # DDPM's per-step noise
    batch = request.batch
    if noise is None:
        noise = starting_noise(model, request.seed, batch)
    latents = noise.clone() * scheduler.init_noise_sigma
    # Classifier-free guidance: the negative prompt (or "") is the "unconditional" branch.
    # Guidance 1 means the conditional prediction alone, so the second half is skipped.
    use_guidance = request.guidance != 1.0
    texts = [request.prompt] + ([request.negative_prompt] if use_guidance else [])
    embeddings = model.encode(texts)
    cond = PromptEmbedding(embeddings.tokens[:1], embeddings.mask[:1], embeddings.pooled[:1])
    context = cond.repeat(batch)
    if use_guidance:
        uncond = PromptEmbedding(embeddings.tokens[1:], embeddings.mask[1:], embeddings.pooled[1:])
        context = PromptEmbedding.cat([uncond.repeat(batch), cond.repeat(batch)])
    alphas = scheduler.alphas_cumprod
    prediction = scheduler.config.prediction_type
    frames: list[Frame] = []
    total = len(scheduler.timesteps)
    with torch.inference_mode():
        for index, t in enumerate(scheduler.timesteps):
            model_input = scheduler.scale_model_input(latents, t)
            doubled = torch.cat([model_input] * 2) if use_guidance else model_input
            output = unet_forward(model.unet, doubled, t, context)  # noise, or v, per the config
            if use_guidance:
                uncond_out, cond_out = output.chunk(2)
                output = uncond_out + request.guidance * (cond_out - uncond_out)
            if keep_frames:
                clean = _predicted_clean(model_input[:1], output[:1], alphas, t, prediction)
                frames.append(Frame(index + 1, float(t), to_uint8(model_input[:1])[0],
                                    to_uint8(clean)[0]))  # fmt: skip
            latents = scheduler.step(output, t, latents, generator=generator).prev_sample
            if on_step is not None:
                on_step(index + 1, total)
    return GenerationResult(to_uint8(latents), frames, unconditional=not request.prompt)


def _predicted_clean(x: Any, output: Any, alphas: Any, t: Any, prediction: str) -> Any:
    """The clean image the model's output implies at timestep ``t``.

    ``x`` is the model input, which is in DDPM space (x = sqrt(a) x0 + sqrt(1 - a) noise) for
    every scheduler here (Euler scales its sample there before the UNet sees it).
    """
    a = alphas[min(len(alphas) - 1, round(float(t)))]
    if prediction == "v_prediction":  # v = sqrt(a) noise - sqrt(1 - a) x0
        return a.sqrt() * x - (1 - a).sqrt() * output
    return (x - (1 - a).sqrt() * output) / a.sqrt()


def same_noise_pair(
    model: Any, first: ImageRequest, second_prompt: str, on_step: StepCallback | None = None
) -> tuple[GenerationResult, GenerationResult]:
    """Two prompts generated from the very same starting noise (and the same per-step noise).
    ``on_step`` sees one run of ``2 * steps`` steps."""
    second = replace(first, prompt=checked_text(second_prompt, "second prompt"))

    def halves(offset: int) -> StepCallback | None:
        if on_step is None:
            return None
        return lambda done, total: on_step(offset * total + done, 2 * total)

    if isinstance(model, OwnDiffusionModel):
        noise = starting_noise(model, first.seed, first.batch)
        return (
            generate(model, first, noise=noise, on_step=halves(0)),
            generate(model, second, noise=noise, on_step=halves(1)),
        )
    # Hub pipelines draw their starting latents from the seed: equal seeds mean equal noise.
    return generate(model, first, on_step=halves(0)), generate(model, second, on_step=halves(1))
