"""Our own model's denoising loop with hooks: the prompt may change between steps, each image in
a batch may have its own guidance scale, and an observer may look at the unconditional and
prompt-conditioned predictions at chosen steps.

With no hook in use it does exactly what ``models.image.diffusion.generate`` does for our model
(same scheduler, same prompt encoding, same order of operations), so its images are bit-for-bit the
plain ones; tests/test_image_steering.py checks that. The guidance view, the prompt switch and the
guidance x steps grid (models/image/guidance.py, models/image/prompt_switch.py) run on it.

Not here: hub pipelines (models/image/hub_steering.py) or turning predictions into pictures.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from models.image.diffusion import OwnDiffusionModel, starting_noise
from models.image.request import ImageRequest, StepCallback
from models.image.schedulers import make_scheduler


@dataclass(frozen=True)
class Conditioning:
    """The prompt as the UNet takes it for one batch, encoded exactly as the plain loop does."""

    context: Any  # PromptEmbedding: [uncond x batch, cond x batch] when guided, else [cond x batch]
    guided: bool  # whether the UNet sees the unconditional half too
    uncond: Any = None  # PromptEmbedding of the negative prompt (one row) when not guided


@dataclass(frozen=True)
class LoopStep:
    """What the model predicted at one step, for the first image of the batch (tensors 1xCxHxW).

    ``guided`` is what the scheduler stepped with: uncond + s * (cond - uncond), or cond alone
    when s is 1 (the plain loop then skips the unconditional half, and so does this one)."""

    step: int  # 1-based
    timestep: float
    model_input: Any  # the noisy image the UNet saw, in DDPM space
    uncond: Any
    cond: Any
    guided: Any
    alpha_bar: Any  # the schedule's cumulative signal fraction at this timestep
    prediction_type: str  # "epsilon", "v_prediction" or "sample"


Observer = Callable[[LoopStep], None]


def encode_conditioning(
    model: OwnDiffusionModel, prompt: str, negative_prompt: str, batch: int, guided: bool
) -> Conditioning:
    """The prompt pair encoded as the plain loop encodes it (one call, so the padding matches)."""
    from models.image.tiny_model import PromptEmbedding

    texts = [prompt] + ([negative_prompt] if guided else [])
    embeddings = model.encode(texts)
    cond = PromptEmbedding(embeddings.tokens[:1], embeddings.mask[:1], embeddings.pooled[:1])
    if not guided:
        return Conditioning(cond.repeat(batch), False)
    uncond = PromptEmbedding(embeddings.tokens[1:], embeddings.mask[1:], embeddings.pooled[1:])
    return Conditioning(PromptEmbedding.cat([uncond.repeat(batch), cond.repeat(batch)]), True)


def denoise(
    model: OwnDiffusionModel,
    request: ImageRequest,
    *,
    conditioning: Callable[[int], Conditioning],
    scales: Sequence[float] | None = None,
    observe_steps: Collection[int] = (),
    observer: Observer | None = None,
    on_step: StepCallback | None = None,
    noise: Any = None,
) -> Any:
    """The final latents (N x 3 x H x W, in [-1, 1] space) for ``request``.

    ``conditioning(step)`` gives the prompt for 1-based ``step``. ``scales`` gives one guidance
    scale per image (default: ``request.guidance`` for all); each image then also gets its own
    per-step noise generator seeded by the request, so image i matches a plain run at scale i.
    ``observer`` sees a ``LoopStep`` at every step in ``observe_steps``.
    """
    import torch

    from models.image.tiny_model import unet_forward

    batch = request.batch if scales is None else len(scales)
    scheduler = make_scheduler(request.scheduler, model.scheduler_config)
    scheduler.set_timesteps(request.steps)
    if scales is None:
        generator: Any = torch.Generator().manual_seed(request.seed)  # DDPM's per-step noise
        scale: Any = request.guidance
        unit: Any = None
    else:
        generator = [torch.Generator().manual_seed(request.seed) for _ in scales]
        scale = torch.tensor(list(scales), dtype=torch.float32).view(-1, 1, 1, 1)
        unit = scale == 1.0  # these images follow the prompt-conditioned prediction alone
    if noise is None:
        noise = starting_noise(model, request.seed, 1 if scales is not None else batch)
        noise = noise.repeat(batch, 1, 1, 1) if scales is not None else noise
    latents = noise.clone() * scheduler.init_noise_sigma
    alphas = scheduler.alphas_cumprod
    prediction = scheduler.config.prediction_type
    total = len(scheduler.timesteps)
    with torch.inference_mode():
        for index, t in enumerate(scheduler.timesteps):
            step = index + 1
            cond_now = conditioning(step)
            model_input = scheduler.scale_model_input(latents, t)
            doubled = torch.cat([model_input] * 2) if cond_now.guided else model_input
            output = unet_forward(model.unet, doubled, t, cond_now.context)
            uncond_out = None
            cond_out = output
            if cond_now.guided:
                uncond_out, cond_out = output.chunk(2)
                output = uncond_out + scale * (cond_out - uncond_out)
                if scales is not None:
                    output = torch.where(unit, cond_out, output)
            if observer is not None and step in observe_steps:
                if uncond_out is None:  # not needed for the image: computed for the view only
                    uncond_out = unet_forward(model.unet, model_input[:1], t, cond_now.uncond)
                a = alphas[min(len(alphas) - 1, round(float(t)))]
                observer(
                    LoopStep(
                        step,
                        float(t),
                        model_input[:1],
                        uncond_out[:1],
                        cond_out[:1],
                        output[:1],
                        a,
                        prediction,
                    )
                )
            latents = scheduler.step(output, t, latents, generator=generator).prev_sample
            if on_step is not None:
                on_step(step, total)
    return latents


def observed_conditioning(
    model: OwnDiffusionModel, prompt: str, negative_prompt: str, batch: int, guided: bool
) -> Conditioning:
    """Like ``encode_conditioning``, plus the negative prompt alone when the image does not need
    it (guidance 1), so an observer can still be shown the unconditional prediction."""
    plain = encode_conditioning(model, prompt, negative_prompt, batch, guided)
    if guided:
        return plain
    from models.image.tiny_model import PromptEmbedding

    alone = model.encode([negative_prompt])
    uncond = PromptEmbedding(alone.tokens, alone.mask, alone.pooled)
    return Conditioning(plain.context, False, uncond)


def predicted_clean(x: Any, output: Any, alpha_bar: Any, prediction_type: str) -> Any:
    """The clean image a model output implies for input ``x`` (DDPM space:
    x = sqrt(a) x0 + sqrt(1 - a) noise). Linear in ``output``, so the clean image of the guided
    mix is the same mix of the clean images of its parts."""
    if prediction_type == "v_prediction":  # v = sqrt(a) noise - sqrt(1 - a) x0
        return alpha_bar.sqrt() * x - (1 - alpha_bar).sqrt() * output
    if prediction_type == "sample":
        return output
    return (x - (1 - alpha_bar).sqrt() * output) / alpha_bar.sqrt()
