"""Sampling from a text-to-image diffusion model: request checks, schedulers, the denoising loop.

``generate(model, request)`` runs our own model (models/tiny_diffusion.py) with a readable loop that
can record, at every step, the noisy image the model sees and the clean image it predicts; hub
pipelines (models/hub_diffusion.py) are dispatched to their own code.

Concurrency: diffusers schedulers keep per-call state (step index, solver history), so every call
builds its own scheduler from the model's config; the UNet is only read. Randomness comes from a
per-call ``torch.Generator`` seeded by the request, so a seed always gives the same images.

Not here: drawing the UI (components/image.py) or turning frames into grids and GIFs
(models/image_frames.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from models.errors import InvalidInputError

MAX_STEPS = 100
MAX_BATCH = 16
MAX_GUIDANCE = 20.0
MAX_SEED = 2**32 - 1
MAX_PROMPT_CHARS = 500
SCHEDULER_NAMES = ("DDPM", "DDIM", "Euler", "DPM-Solver++")

StepCallback = Callable[[int, int], None]  # (steps done, total steps)


@dataclass(frozen=True)
class ImageRequest:
    """One generation request, already validated (build it with ``ImageRequest.checked``)."""

    prompt: str
    negative_prompt: str = ""
    steps: int = 25
    guidance: float = 3.0
    seed: int = 0
    scheduler: str = "DPM-Solver++"
    batch: int = 1

    @classmethod
    def checked(
        cls,
        prompt: Any,
        negative_prompt: Any = "",
        steps: Any = 25,
        guidance: Any = 3.0,
        seed: Any = 0,
        scheduler: Any = "DPM-Solver++",
        batch: Any = 1,
    ) -> ImageRequest:
        """Validate raw values (from a slider, or from an API caller who sent anything)."""
        return cls(
            prompt=_text(prompt, "prompt"),
            negative_prompt=_text(negative_prompt, "negative prompt"),
            steps=_integer(steps, "steps", 1, MAX_STEPS),
            guidance=_number(guidance, "guidance scale", 0.0, MAX_GUIDANCE),
            seed=_integer(seed, "seed", 0, MAX_SEED),
            scheduler=_scheduler_name(scheduler),
            batch=_integer(batch, "batch size", 1, MAX_BATCH),
        )


@dataclass
class Frame:
    """What the sampler saw and predicted at one step (uint8 RGB, H x W x 3, first image only).
    ``predicted_clean`` is None for hub pipelines, which do not expose it."""

    step: int
    timestep: float
    noisy: np.ndarray
    predicted_clean: np.ndarray | None


@dataclass
class GenerationResult:
    images: list[np.ndarray]  # uint8 RGB, H x W x 3, at the model's own resolution
    frames: list[Frame] = field(default_factory=list)
    unconditional: bool = False  # the prompt was empty: the model drew what it liked


# -- validation --------------------------------------------------------------------------------
def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInputError(f"The {what} must be text.")
    if len(value) > MAX_PROMPT_CHARS:
        raise InvalidInputError(
            f"The {what} is {len(value)} characters long; keep it under {MAX_PROMPT_CHARS}."
        )
    return value.strip()


def _number(value: Any, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInputError(f"The {what} must be a number between {low:g} and {high:g}.")
    try:
        number = float(value)
    except ValueError:
        raise InvalidInputError(
            f"The {what} must be a number between {low:g} and {high:g}."
        ) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInputError(
            f"The {what} must be a number between {low:g} and {high:g}, not {value}."
        )
    return number


def _integer(value: Any, what: str, low: int, high: int) -> int:
    number = _number(value, what, low, high)
    if number != int(number):
        raise InvalidInputError(f"The {what} must be a whole number between {low} and {high}.")
    return int(number)


def _scheduler_name(value: Any) -> str:
    if not isinstance(value, str) or value not in SCHEDULER_NAMES:
        raise InvalidInputError(
            f"Unknown scheduler '{value}'; pick one of: {', '.join(SCHEDULER_NAMES)}."
        )
    return value


# -- schedulers --------------------------------------------------------------------------------
def make_scheduler(name: str, config: dict[str, Any]) -> Any:
    """A fresh scheduler of kind ``name`` built from a model's scheduler config (one per call)."""
    from diffusers import (
        DDIMScheduler,
        DDPMScheduler,
        DPMSolverMultistepScheduler,
        EulerDiscreteScheduler,
    )

    name = _scheduler_name(name)
    # Our cosine noise schedule ends at almost zero signal (alpha_bar(999) ~ 1e-9), where turning a
    # noise prediction into a clean-image prediction divides by ~1e-4: DDPM and DDIM clip that
    # prediction to [-1, 1] (clip_sample); DPM-Solver++ gets the clipping diffusers documents for
    # cosine schedules, and Euler starts from sigma 40 instead of ~30000.
    if name == "DDPM":
        return DDPMScheduler.from_config(config)
    if name == "DDIM":
        return DDIMScheduler.from_config(config, timestep_spacing="trailing")
    if name == "Euler":
        stable = {"use_karras_sigmas": True, "sigma_max": 40.0} if _cosine(config) else {}
        return EulerDiscreteScheduler.from_config(config, timestep_spacing="trailing", **stable)
    stable = {"lambda_min_clipped": -5.1, "thresholding": True} if _cosine(config) else {}
    return DPMSolverMultistepScheduler.from_config(
        config, algorithm_type="dpmsolver++", solver_order=2, timestep_spacing="trailing", **stable
    )


def _cosine(config: dict[str, Any]) -> bool:
    return config.get("beta_schedule") == "squaredcos_cap_v2"


# -- our own model -----------------------------------------------------------------------------
@dataclass
class OwnDiffusionModel:
    """Our UNet plus what it needs at sampling time; shared read-only by every user."""

    unet: Any
    scheduler_config: dict[str, Any]
    embedder: Callable[[], Any]  # returns the sentence embedder (loaded lazily by the registry)
    resolution: int = 32

    def encode(self, prompts: list[str]) -> Any:
        from models.tiny_diffusion import encode_prompts

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
    from models.hub_diffusion import HubPipelineModel, generate_with_pipeline

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

    from models.tiny_diffusion import PromptEmbedding, unet_forward

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


def to_uint8(images: Any) -> list[np.ndarray]:
    """Tensors in [-1, 1] (N x 3 x H x W) as a list of uint8 H x W x 3 arrays."""
    array = images.detach().float().clamp(-1, 1).add(1).mul(127.5).round().byte()
    return list(array.permute(0, 2, 3, 1).cpu().numpy())


def same_noise_pair(
    model: Any, first: ImageRequest, second_prompt: str, on_step: StepCallback | None = None
) -> tuple[GenerationResult, GenerationResult]:
    """Two prompts generated from the very same starting noise (and the same per-step noise).
    ``on_step`` sees one run of ``2 * steps`` steps."""
    second = replace(first, prompt=_text(second_prompt, "second prompt"))

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
