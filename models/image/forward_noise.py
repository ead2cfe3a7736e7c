"""Forward noising: a training-style image noised to any timestep t with the schedule the model
was trained with, beside the model's guess of the clean image from there (one model call).

Training teaches exactly this: take a clean image x0, pick t, mix in noise as
x_t = sqrt(a_bar(t)) x0 + sqrt(1 - a_bar(t)) eps, and ask the model to undo it. The image is
drawn by models/image/data.py (the same drawing code as the training data, any of the 48
combinations; the 4 held-out pairs were never in training). The noising is the scheduler's
``add_noise`` on ``alphas_cumprod`` of ``DDPMScheduler.from_config(<the model's config>)``:
for our model the cosine schedule of scripts/train_image_model.py. The guess is conditioned on
the image's caption unless another prompt is given ("" = unconditional), without guidance (as
in training). eps comes from ``torch.randn`` with a generator seeded by ``noise_seed``, the same
eps for every t, so a strip of timesteps shows one noise growing.

On hub pipelines the image is resized to the pipeline's resolution and noised in its latent
space (the VAE's latent mean), then both are decoded (models/image/hub_steering.py); the hub
model never saw such images, so its guesses show its own idea of them.
Not here: the UI, or sampling (models/image/diffusion.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.errors import InvalidInputError
from models.image import data as image_data
from models.image.guidance import checked_list
from models.image.request import MAX_SEED, checked_text, to_uint8
from models.settings import Settings, setting
from models.validation import shown_value, whole_number

MAX_NOISE_LEVELS = 10  # timesteps in one call: one batched model call, well under a second
DEFAULT_TIMESTEPS = (0, 100, 250, 500, 750, 900, 999)


@dataclass(frozen=True)
class NoiseView(Settings):
    """The training picture to noise, the timesteps, and the two seeds."""

    shape: str = setting("cat", choices=image_data.SHAPES, label="Shape", kind="choice")
    colour: str = setting("red", choices=tuple(image_data.COLOURS), label="Colour", kind="choice")
    background: str = setting(
        "white", choices=tuple(image_data.BACKGROUNDS), label="Background", kind="choice"
    )
    timesteps: str = setting(
        ", ".join(str(t) for t in DEFAULT_TIMESTEPS),
        label=f"Timesteps t (0–999, at most {MAX_NOISE_LEVELS})",
    )
    image_seed: int = setting(0, low=0, high=MAX_SEED, label="Image seed")
    noise_seed: int = setting(0, low=0, high=MAX_SEED, label="Noise seed")


IDEA = (
    "Training noises a real image to a random step t and asks the model to undo it; at small t "
    "the guess is nearly the image, near the end it can only guess from the prompt."
)


@dataclass
class NoisedView:
    timestep: int
    alpha_bar: float  # share of the clean image's variance left: x_t = sqrt(a) x0 + sqrt(1-a) eps
    noisy: np.ndarray  # uint8 H x W x 3
    predicted_clean: np.ndarray  # uint8: the model's guess of x0 from the noisy image
    noisy_values: np.ndarray  # float32 C x H x W: x_t unclamped (pixels, or latents on hubs)


@dataclass
class ForwardNoising:
    clean: np.ndarray  # uint8 H x W x 3: the drawn image (as the VAE returns it, on hubs)
    attributes: image_data.Attributes
    prompt: str  # what the guesses were conditioned on
    held_out: bool  # a combination the model never saw in training
    clean_values: np.ndarray  # float32 C x H x W: the x0 that was noised (pixels or latents)
    noise: np.ndarray  # float32 C x H x W: eps
    views: list[NoisedView]
    space: str  # "pixels" (our model) or "latents" (hub pipelines)


def checked_attributes(shape: Any, colour: Any, background: Any) -> image_data.Attributes:
    options = (
        ("shape", shape, image_data.SHAPES),
        ("colour", colour, image_data.COLOURS),
        ("background", background, image_data.BACKGROUNDS),
    )
    for name, value, allowed in options:
        if value not in allowed:
            raise InvalidInputError(
                f"Pick a {name} from: {', '.join(allowed)}; not {shown_value(value)}."
            )
    return image_data.Attributes(shape, colour, background)


def training_image(attrs: image_data.Attributes, image_seed: int) -> np.ndarray:
    """The image the training data draws for ``attrs``, with jitter from ``image_seed``."""
    return np.array(image_data.draw(attrs, random.Random(image_seed)))


def forward_noise(
    model: Any,
    timesteps: Any = DEFAULT_TIMESTEPS,
    *,
    shape: Any = "cat",
    colour: Any = "red",
    background: Any = "white",
    image_seed: Any = 0,
    noise_seed: Any = 0,
    prompt: Any = None,
) -> ForwardNoising:
    """The drawn image noised to each of ``timesteps`` (a list, a number or "0, 500, 999"; at
    most ``MAX_NOISE_LEVELS``), and the model's clean guess at each, from one model call."""
    from models.image.hub_pipeline import HubPipelineModel

    if isinstance(model, HubPipelineModel):
        from models.image.hub_steering import require_text_unet

        require_text_unet(model, "Forward noising")
    attrs = checked_attributes(shape, colour, background)
    image_seed = whole_number("The image seed", image_seed, 0, MAX_SEED)
    noise_seed = whole_number("The noise seed", noise_seed, 0, MAX_SEED)
    text = image_data.canonical_prompt(attrs) if prompt is None else checked_text(prompt, "prompt")
    last = _train_timesteps(model) - 1
    ts = checked_list(timesteps, "Timesteps t", 0, last, whole=True, cap=MAX_NOISE_LEVELS)
    ts = [int(t) for t in ts]
    clean = training_image(attrs, image_seed)
    if isinstance(model, HubPipelineModel):
        return _hub(model, clean, attrs, ts, noise_seed, text)
    return _own(model, clean, attrs, ts, noise_seed, text)


def _train_timesteps(model: Any) -> int:
    from models.image.hub_pipeline import HubPipelineModel

    if isinstance(model, HubPipelineModel):
        return int(model.pipeline.scheduler.config.num_train_timesteps)
    return int(model.scheduler_config.get("num_train_timesteps", 1000))


def _own(
    model: Any,
    image: np.ndarray,
    attrs: image_data.Attributes,
    ts: list[int],
    noise_seed: int,
    text: str,
) -> ForwardNoising:
    import torch
    from diffusers import DDPMScheduler

    from models.image.steered_loop import predicted_clean
    from models.image.tiny_model import PromptEmbedding, unet_forward

    schedule = DDPMScheduler.from_config(model.scheduler_config)  # the training schedule
    clean = torch.from_numpy(image).permute(2, 0, 1)[None].float().div(127.5).sub(1.0)
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(noise_seed))
    t = torch.tensor(ts, dtype=torch.long)
    count = len(ts)
    noisy = schedule.add_noise(clean.repeat(count, 1, 1, 1), noise.repeat(count, 1, 1, 1), t)
    encoded = model.encode([text])
    cond = PromptEmbedding(encoded.tokens, encoded.mask, encoded.pooled).repeat(count)
    with torch.inference_mode():
        output = unet_forward(model.unet, noisy, t, cond)
    a = schedule.alphas_cumprod[t].view(-1, 1, 1, 1)
    guess = predicted_clean(noisy, output, a, schedule.config.prediction_type)
    views = _views(ts, a.flatten(), to_uint8(noisy), to_uint8(guess), noisy)
    return ForwardNoising(
        image, attrs, text, attrs.held_out, clean[0].numpy(), noise[0].numpy(), views, "pixels"
    )


def _hub(
    model: Any,
    image: np.ndarray,
    attrs: image_data.Attributes,
    ts: list[int],
    noise_seed: int,
    text: str,
) -> ForwardNoising:
    from models.image.hub_steering import hub_forward_noise

    got = hub_forward_noise(model, image, ts, noise_seed, text)
    views = _views(
        ts,
        got.alpha_bars,
        to_uint8(got.noisy_pixels),
        to_uint8(got.predicted_pixels),
        got.noisy_latents,
    )
    return ForwardNoising(
        to_uint8(got.clean_pixels)[0],
        attrs,
        text,
        attrs.held_out,
        got.clean_latents[0].float().cpu().numpy(),
        got.noise[0].float().cpu().numpy(),
        views,
        "latents",
    )


def _views(ts: list[int], alpha_bars: Any, noisy: list, guesses: list, values: Any) -> list:
    return [
        NoisedView(t, float(alpha_bars[i]), noisy[i], guesses[i], values[i].float().cpu().numpy())
        for i, t in enumerate(ts)
    ]


def noising_sheet(result: ForwardNoising, tile: int = 96) -> Any:
    """Two rows under timestep titles: the noisy image, and the model's guess from it."""
    from models.image.guidance import labelled_sheet

    titles = [f"t = {v.timestep}\nsignal {v.alpha_bar:.0%}" for v in result.views]
    rows = [[v.noisy for v in result.views], [v.predicted_clean for v in result.views]]
    return labelled_sheet(rows, titles, ["noised\n(training\ninput)", "model's\nguess x0"], tile)
