"""The steering views on a hub pipeline, offline: the tiny randomly initialised Stable Diffusion
pipeline (tests/tiny_sd_pipeline.py) loaded through the registry as a deployment adds one.
Each view is checked against plain pipeline runs or the pipeline's modules called by hand."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from models.builtin import default_registry
from models.errors import InvalidInputError
from models.image.diffusion import generate
from models.image.forward_noise import forward_noise
from models.image.guidance import guidance_grid, guidance_parts
from models.image.hub_pipeline import HubPipelineModel
from models.image.prompt_switch import prompt_switch
from models.image.request import ImageRequest
from models.image.schedulers import make_scheduler
from tests.tiny_sd_pipeline import save_tiny_sd_pipeline


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = save_tiny_sd_pipeline(tmp_path_factory.mktemp("tiny-sd-steering"))
    registry = default_registry({"PLAYGROUND_MODELS": f"text-to-image:{folder}"})
    return registry.load(str(folder), kind="text-to-image")


def request(**overrides) -> ImageRequest:
    settings = {"prompt": "a cat", "steps": 4, "guidance": 5.0, "seed": 1, "scheduler": "DDIM",
                "batch": 1}  # fmt: skip
    return ImageRequest.checked(**(settings | overrides))


def scaled_linear_alpha_bar(start: float = 0.00085, end: float = 0.012) -> np.ndarray:
    """The tiny pipeline's training schedule written out: betas on a square-root line."""
    betas = np.linspace(math.sqrt(start), math.sqrt(end), 1000) ** 2
    return np.cumprod(1 - betas)


@pytest.mark.parametrize("scheduler", ["DDIM", "DDPM", "Euler", "DPM-Solver++"])
@pytest.mark.parametrize("guidance", [5.0, 1.0])
def test_the_parts_run_ends_in_the_plain_pipeline_image(model, scheduler, guidance) -> None:
    settings = request(scheduler=scheduler, guidance=guidance)
    breakdown = guidance_parts(model, settings)
    assert [step.step for step in breakdown.steps] == [1, 2, 3, 4]
    assert np.array_equal(breakdown.image, generate(model, settings).images[0])
    assert breakdown.steps[0].unconditional.shape == (16, 16, 3)


def test_guided_mix_is_exact_and_guidance_off_below_one(model) -> None:
    for step in guidance_parts(model, request(guidance=5.0)).steps:
        uncond, cond = step.outputs["uncond"], step.outputs["cond"]
        assert np.array_equal(step.outputs["guided"], uncond + np.float32(5.0) * (cond - uncond))
    low = guidance_parts(model, request(guidance=0.5), at_steps=[2])
    assert np.array_equal(low.steps[0].outputs["guided"], low.steps[0].outputs["cond"])
    assert any("turns guidance off" in note for note in low.notes)


def test_hub_runs_take_apart_at_most_ten_steps_spread_over_the_run(model) -> None:
    spread = guidance_parts(model, request(steps=30, scheduler="DDIM"))
    steps = [step.step for step in spread.steps]
    assert len(steps) == 10 and steps[0] == 1 and steps[-1] == 30
    with pytest.raises(InvalidInputError, match="at most 10 steps"):
        guidance_parts(model, request(steps=30), at_steps=list(range(1, 12)))


def test_recorded_predictions_equal_the_pipeline_modules_called_by_hand(model) -> None:
    pipe = model.pipeline
    first = guidance_parts(model, request(), at_steps=[1]).steps[0]
    generator = torch.Generator().manual_seed(1)
    latents = torch.randn((1, 4, 8, 8), generator=generator)  # what the pipeline draws
    scheduler = make_scheduler("DDIM", dict(pipe.scheduler.config))
    scheduler.set_timesteps(4)
    t = scheduler.timesteps[0]
    with torch.inference_mode():
        ids = [
            pipe.tokenizer(
                text, padding="max_length", max_length=16, truncation=True, return_tensors="pt"
            ).input_ids
            for text in ("", "a cat")
        ]
        uncond_text, cond_text = (pipe.text_encoder(i)[0] for i in ids)
        x = latents * scheduler.init_noise_sigma
        uncond = pipe.unet(x, t, encoder_hidden_states=uncond_text).sample
        cond = pipe.unet(x, t, encoder_hidden_states=cond_text).sample
    assert np.allclose(first.outputs["uncond"], uncond[0].numpy(), atol=1e-5)
    assert np.allclose(first.outputs["cond"], cond[0].numpy(), atol=1e-5)


def test_replaying_the_recorded_guided_predictions_rebuilds_the_image(model) -> None:
    pipe = model.pipeline
    breakdown = guidance_parts(model, request(seed=3))
    scheduler = make_scheduler("DDIM", dict(pipe.scheduler.config))
    scheduler.set_timesteps(4)
    latents = torch.randn((1, 4, 8, 8), generator=torch.Generator().manual_seed(3))
    for step, t in zip(breakdown.steps, scheduler.timesteps, strict=True):
        latents = scheduler.step(
            torch.from_numpy(step.outputs["guided"])[None], t, latents
        ).prev_sample
    with torch.inference_mode():
        decoded = pipe.vae.decode(latents / pipe.vae.config.scaling_factor).sample
    picture = (decoded[0].permute(1, 2, 0).numpy() / 2 + 0.5).clip(0, 1) * 255
    assert np.abs(picture.round() - breakdown.image).max() <= 1


def test_grid_cells_are_plain_pipeline_runs(model) -> None:
    grid = guidance_grid(model, request(), [1, 6], [2, 4])
    for row, scale in enumerate([1.0, 6.0]):
        for column, steps in enumerate([2, 4]):
            plain = generate(model, request(guidance=scale, steps=steps)).images[0]
            assert np.array_equal(plain, grid.images[row][column])


@pytest.mark.parametrize("scheduler", ["DDIM", "DDPM"])
def test_switch_at_zero_is_plain_b_and_at_the_end_plain_a(model, scheduler) -> None:
    first = request(scheduler=scheduler, batch=2)
    plain_a = generate(model, first).images
    plain_b = generate(model, request(prompt="a dog", scheduler=scheduler, batch=2)).images
    at_zero = prompt_switch(model, first, "a dog", 0).images
    at_end = prompt_switch(model, first, "a dog", 4).images
    assert all(np.array_equal(a, b) for a, b in zip(at_zero, plain_b, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(at_end, plain_a, strict=True))
    halfway = prompt_switch(model, first, "a dog", 2).images[0]
    assert not np.array_equal(halfway, plain_a[0]) and not np.array_equal(halfway, plain_b[0])
    with pytest.raises(InvalidInputError, match="switch step k"):
        prompt_switch(model, first, "a dog", 5)


def test_forward_noising_in_latent_space_follows_the_closed_form(model) -> None:
    pipe = model.pipeline
    result = forward_noise(model, [0, 400, 999], noise_seed=2)
    assert result.space == "latents" and result.clean.shape == (16, 16, 3)
    noise = torch.randn(result.clean_values[None].shape, generator=torch.Generator().manual_seed(2))
    assert np.array_equal(result.noise, noise[0].numpy())
    a_bar = scaled_linear_alpha_bar()
    x0 = result.clean_values.astype(np.float64)
    for view in result.views:
        a = a_bar[view.timestep]
        expected = math.sqrt(a) * x0 + math.sqrt(1 - a) * noise[0].double().numpy()
        assert abs(view.alpha_bar - a) < 1e-6
        assert np.allclose(view.noisy_values, expected, atol=1e-5)
    # x0 is the VAE's latent mean of the drawn image, at the pipeline's resolution, scaled.
    from PIL import Image

    from models.image.forward_noise import training_image

    drawn = Image.fromarray(training_image(result.attributes, 0)).resize(
        (16, 16), Image.Resampling.BICUBIC
    )
    pixels = torch.from_numpy(np.array(drawn)).permute(2, 0, 1)[None].float() / 127.5 - 1
    with torch.inference_mode():
        mean = pipe.vae.encode(pixels).latent_dist.mean * pipe.vae.config.scaling_factor
    assert np.allclose(result.clean_values, mean[0].numpy(), atol=1e-5)


def test_pipelines_without_a_unet_are_refused_with_a_sentence() -> None:
    bare = HubPipelineModel(SimpleNamespace(scheduler=None), "some/transformer-pipeline")
    for view in (
        lambda: guidance_parts(bare, request()),
        lambda: prompt_switch(bare, request(), "a dog", 2),
        lambda: forward_noise(bare, [10]),
    ):
        with pytest.raises(InvalidInputError, match="some/transformer-pipeline"):
            view()
