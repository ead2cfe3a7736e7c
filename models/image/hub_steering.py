"""The steering views on hub pipelines (Stable-Diffusion-like diffusers pipelines): guidance
taken apart, a prompt change mid-way, and forward noising in the pipeline's latent space.

The pipeline itself still runs every image (a per-call copy with its own scheduler, as in
models/image/hub_pipeline.py), so a view's final image is exactly what /generate_image gives:
- guidance parts: the starting noise is drawn here from the seed exactly as the pipeline would
  draw it and handed in, and at each chosen step the UNet is run once more on that step's input
  (unconditional and prompt halves); the pictures are those predictions turned into clean
  latents and decoded by the VAE. Cost: one extra UNet call and a VAE decode per chosen step.
- prompt switch: ``callback_on_step_end`` hands the pipeline prompt B's embeddings after step k.
- forward noising: the drawn image is encoded by the VAE (latent mean), noised with
  ``DDPMScheduler.from_config(pipeline scheduler config).add_noise`` (the training schedule the
  config records), and one UNet call gives the clean-latent guess; both are decoded.

Supported: pipelines with ``encode_prompt``, a ``unet`` and a ``vae`` whose UNet takes only
text embeddings (StableDiffusionPipeline: SD 1.x/2.x, sd-turbo). Refused with a sentence:
SDXL-style UNets (they also need pooled text embeddings and size ids), guidance-distilled UNets
(``time_cond_proj_dim``, e.g. LCM: no separate unconditional prediction), transformer pipelines
(SD3, Flux). Not here: our own model (models/image/steered_loop.py) or pictures.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.errors import InvalidInputError
from models.image.hub_pipeline import HubPipelineModel, per_call_pipeline, pipeline_images
from models.image.request import ImageRequest, StepCallback
from models.image.schedulers import make_scheduler
from models.image.steered_loop import predicted_clean


@dataclass
class HubParts:
    """One chosen step: the predictions (latent space, first image) and their decoded clean
    images (tensors 1 x 3 x H x W in [-1, 1]: unconditional, prompt, guided)."""

    step: int
    timestep: float
    uncond: Any
    cond: Any
    guided: Any
    clean_pixels: tuple[Any, Any, Any]


def require_text_unet(model: HubPipelineModel, view: str) -> None:
    """Refuse, in one sentence, pipelines whose UNet call this module cannot reproduce."""
    pipeline = model.pipeline
    unet = getattr(pipeline, "unet", None)
    if unet is None or not hasattr(pipeline, "encode_prompt") or not hasattr(pipeline, "vae"):
        raise InvalidInputError(
            f"{view} needs a Stable-Diffusion-like pipeline with a UNet; {model.name} has none: "
            "pick our own model or an SD 1.x/2.x pipeline."
        )
    if getattr(unet.config, "addition_embed_type", None) is not None:
        raise InvalidInputError(
            f"{view} is not available for {model.name} (an SDXL-style UNet that also needs "
            "pooled text embeddings): pick our own model or an SD 1.x/2.x pipeline."
        )
    if getattr(unet.config, "time_cond_proj_dim", None) is not None:
        raise InvalidInputError(
            f"{view} is not available for {model.name}: it is guidance-distilled (the scale is "
            "an input of the UNet, with no separate unconditional prediction)."
        )


def hub_guidance_parts(
    model: HubPipelineModel,
    request: ImageRequest,
    at_steps: Collection[int],
    on_step: StepCallback | None = None,
) -> tuple[np.ndarray, list[HubParts]]:
    """The pipeline's image for ``request`` (batch 1) and the guidance parts at ``at_steps``."""
    import torch
    from diffusers.utils.torch_utils import randn_tensor

    require_text_unet(model, "Guidance taken apart")
    pipe = per_call_pipeline(model, request.scheduler)
    device = pipe.device
    # diffusers' rule: classifier-free guidance only above 1, else the prompt half alone.
    guided = request.guidance > 1.0
    with torch.inference_mode():
        positive, negative = pipe.encode_prompt(
            request.prompt, device, 1, True, request.negative_prompt or None
        )
    generator = torch.Generator(device="cpu").manual_seed(request.seed)
    side = model.resolution // pipe.vae_scale_factor
    shape = (1, pipe.unet.config.in_channels, side, side)
    raw = randn_tensor(shape, generator=generator, device=device, dtype=positive.dtype)
    shadow = make_scheduler(request.scheduler, dict(pipe.scheduler.config))
    shadow.set_timesteps(request.steps, device=device)
    timesteps = shadow.timesteps
    prediction = shadow.config.prediction_type
    records: list[HubParts] = []

    def record(index: int, latents: Any) -> None:
        t = timesteps[index]
        fresh = make_scheduler(request.scheduler, dict(pipe.scheduler.config))
        fresh.set_timesteps(request.steps, device=device)  # its step index then comes from t
        model_input = fresh.scale_model_input(latents, t)
        with torch.inference_mode():
            out = pipe.unet(
                torch.cat([model_input] * 2),
                t,
                encoder_hidden_states=torch.cat([negative, positive]),
                return_dict=False,
            )[0]
            uncond, cond = out.chunk(2)
            mix = uncond + request.guidance * (cond - uncond) if guided else cond
            a = shadow.alphas_cumprod[int(t)].to(model_input.dtype)
            clean = torch.cat(
                [predicted_clean(model_input, o, a, prediction) for o in (uncond, cond, mix)]
            )
            pixels = pipe.vae.decode(clean / pipe.vae.config.scaling_factor).sample.float()
        records.append(HubParts(index + 1, float(t), uncond, cond, mix, tuple(pixels.split(1))))

    if 1 in at_steps:
        record(0, raw * shadow.init_noise_sigma)

    def step_end(_pipe: Any, index: int, _t: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        if index + 2 in at_steps and index + 1 < len(timesteps):
            record(index + 1, kwargs["latents"])
        if on_step is not None:
            on_step(index + 1, request.steps)
        return {}

    output = pipe(
        prompt_embeds=positive,
        negative_prompt_embeds=negative,
        num_inference_steps=request.steps,
        guidance_scale=request.guidance,
        num_images_per_prompt=1,
        generator=generator,
        latents=raw,
        output_type="np",
        callback_on_step_end=step_end,
    )
    return pipeline_images(output.images)[0], records


def hub_prompt_switch(
    model: HubPipelineModel,
    request: ImageRequest,
    second_prompt: str,
    switch_at: int,
    on_step: StepCallback | None = None,
) -> list[np.ndarray]:
    """Images from ``request.prompt`` for the first ``switch_at`` steps, ``second_prompt`` after."""
    import torch

    require_text_unet(model, "Changing the prompt mid-way")
    pipe = per_call_pipeline(model, request.scheduler)
    guided = request.guidance > 1.0
    first = second_prompt if switch_at == 0 else request.prompt
    switched = None
    if 0 < switch_at < request.steps:
        with torch.inference_mode():
            positive, negative = pipe.encode_prompt(
                second_prompt, pipe.device, request.batch, guided, request.negative_prompt or None
            )
        switched = torch.cat([negative, positive]) if guided else positive

    def step_end(_pipe: Any, index: int, _t: Any, _kwargs: dict[str, Any]) -> dict[str, Any]:
        if on_step is not None:
            on_step(index + 1, request.steps)
        # The loop reads prompt_embeds (under guidance: [negative, positive]) at every step.
        return (
            {"prompt_embeds": switched} if switched is not None and index + 1 == switch_at else {}
        )

    output = pipe(
        prompt=first,
        negative_prompt=request.negative_prompt or None,
        num_inference_steps=request.steps,
        guidance_scale=request.guidance,
        num_images_per_prompt=request.batch,
        generator=torch.Generator(device="cpu").manual_seed(request.seed),
        output_type="np",
        callback_on_step_end=step_end,
    )
    return pipeline_images(output.images)


@dataclass
class HubNoising:
    """Forward noising in latent space: what was noised, the noise, and the decoded pictures
    (tensors N x 3 x H x W in [-1, 1], one row per timestep)."""

    clean_latents: Any  # 1 x C x h x w: the VAE's latent mean of the image, times its scale
    noise: Any  # 1 x C x h x w
    noisy_latents: Any  # N x C x h x w
    alpha_bars: Any  # N
    noisy_pixels: Any
    predicted_pixels: Any
    clean_pixels: Any  # 1 x 3 x H x W: the image as the VAE gives it back (its own loss shown)


def hub_forward_noise(
    model: HubPipelineModel, image: np.ndarray, timesteps: list[int], noise_seed: int, prompt: str
) -> HubNoising:
    """``image`` (uint8, resized to the pipeline's resolution) noised to each timestep in the
    pipeline's latent space, and the UNet's clean guess from there given ``prompt``."""
    import torch
    from diffusers import DDPMScheduler
    from PIL import Image

    require_text_unet(model, "Forward noising")
    pipe = per_call_pipeline(model, "DDPM")
    side = model.resolution
    resized = Image.fromarray(image).resize((side, side), Image.Resampling.BICUBIC)
    pixels = torch.from_numpy(np.array(resized)).permute(2, 0, 1)[None].float() / 127.5 - 1
    vae = pipe.vae
    pixels = pixels.to(pipe.device, vae.dtype)
    schedule = DDPMScheduler.from_config(dict(pipe.scheduler.config))
    with torch.inference_mode():
        clean = vae.encode(pixels).latent_dist.mean * vae.config.scaling_factor
        generator = torch.Generator().manual_seed(noise_seed)
        noise = torch.randn(clean.shape, generator=generator).to(clean.device, clean.dtype)
        count = len(timesteps)
        t = torch.tensor(timesteps, dtype=torch.long)
        noisy = schedule.add_noise(clean.repeat(count, 1, 1, 1), noise.repeat(count, 1, 1, 1), t)
        positive, _ = pipe.encode_prompt(prompt, pipe.device, count, False)
        out = pipe.unet(noisy, t.to(pipe.device), encoder_hidden_states=positive).sample
        a = schedule.alphas_cumprod[t].to(noisy.device, noisy.dtype).view(-1, 1, 1, 1)
        guess = predicted_clean(noisy, out, a, schedule.config.prediction_type)
        scale = vae.config.scaling_factor
        decoded = vae.decode(torch.cat([noisy, guess, clean]) / scale).sample.float()
    return HubNoising(
        clean, noise, noisy, a.flatten(), decoded[:count], decoded[count:-1], decoded[-1:]
    )
