"""The steering views on our own image model (real weights, offline): guidance taken apart, the
guidance x steps grid, the prompt switch and forward noising, each checked against plain
generations or an independent computation (the UNet called by hand, the cosine schedule
written out in numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.errors import InvalidInputError
from models.image import data as image_data
from models.image.catalog import OWN_MODEL
from models.image.checker import load_or_train_checker, predict
from models.image.diffusion import generate, starting_noise
from models.image.forward_noise import MAX_NOISE_LEVELS, forward_noise, noising_sheet
from models.image.guidance import (
    MAX_GRID_SIDE,
    grid_sheet,
    guidance_grid,
    guidance_parts,
    parts_sheet,
)
from models.image.prompt_switch import MAX_STRIP, prompt_switch, switch_strip
from models.image.request import ImageRequest, to_uint8
from models.image.schedulers import make_scheduler
from models.image.tiny_model import ASSET_DIR, PromptEmbedding, unet_forward

CAT = "a red cat on a white background"
CIRCLE = "a red circle on a black background"
SQUARE = "a blue square on a white background"


@pytest.fixture(scope="module")
def model(real_registry):
    return real_registry.load(OWN_MODEL, kind="text-to-image")


def request(prompt: str = CAT, **overrides) -> ImageRequest:
    settings = {"steps": 8, "guidance": 3.0, "seed": 0, "scheduler": "DDIM", "batch": 1}
    return ImageRequest.checked(prompt=prompt, **(settings | overrides))


def cosine_alpha_bar(steps: int = 1000) -> np.ndarray:
    """squaredcos_cap_v2 written out: beta_t = min(1 - f(t+1)/f(t), 0.999), a_bar = prod(1-beta)."""

    def f(t: float) -> float:
        return math.cos((t / steps + 0.008) / 1.008 * math.pi / 2) ** 2

    betas = np.array([min(1 - f(i + 1) / f(i), 0.999) for i in range(steps)])
    return np.cumprod(1 - betas)


# -- guidance taken apart ----------------------------------------------------------------------
def test_guided_mix_is_uncond_plus_scale_times_difference_exactly(model) -> None:
    scale = 3.5
    breakdown = guidance_parts(model, request(guidance=scale))
    assert [step.step for step in breakdown.steps] == list(range(1, 9))
    for step in breakdown.steps:
        uncond, cond = step.outputs["uncond"], step.outputs["cond"]
        assert np.array_equal(step.outputs["guided"], uncond + np.float32(scale) * (cond - uncond))
        assert not np.array_equal(uncond, cond)  # the prompt changes the prediction


@pytest.mark.parametrize("scheduler", ["DDIM", "DDPM", "Euler", "DPM-Solver++"])
@pytest.mark.parametrize("guidance", [3.0, 1.0])
def test_the_parts_run_ends_in_the_plain_image(model, scheduler, guidance) -> None:
    settings = request(scheduler=scheduler, guidance=guidance, seed=5)
    breakdown = guidance_parts(model, settings, at_steps="1, 4, 8")
    assert [step.step for step in breakdown.steps] == [1, 4, 8]
    assert np.array_equal(breakdown.image, generate(model, settings).images[0])


def test_recorded_predictions_equal_the_unet_called_by_hand(model) -> None:
    """Step 1 of DDIM: input = the seed's noise; predictions from two separate UNet calls; the
    clean images from x0 = sqrt(a) x - sqrt(1 - a) v with a from the schedule written out."""
    settings = request(seed=3)
    first = guidance_parts(model, settings, at_steps=[1]).steps[0]
    scheduler = make_scheduler("DDIM", model.scheduler_config)
    scheduler.set_timesteps(settings.steps)
    t = scheduler.timesteps[0]
    x = starting_noise(model, 3, 1) * scheduler.init_noise_sigma
    outputs = {}
    for name, text in (("cond", CAT), ("uncond", "")):
        encoded = model.encode([text])
        embedding = PromptEmbedding(encoded.tokens, encoded.mask, encoded.pooled)
        with torch.inference_mode():
            outputs[name] = unet_forward(model.unet, x, t, embedding)
    for name, output in outputs.items():
        assert np.allclose(first.outputs[name], output[0].numpy(), atol=1e-4)
    a = float(cosine_alpha_bar()[int(t)])
    for name, picture in (("cond", first.conditional), ("uncond", first.unconditional)):
        by_hand = math.sqrt(a) * x - math.sqrt(1 - a) * outputs[name]
        assert np.abs(to_uint8(by_hand)[0].astype(int) - picture).max() <= 1
    assert first.difference_scale > 0.05
    # The difference is stretched to its largest value: some pixel reaches the end of the range.
    assert np.abs(first.difference.astype(int) - 127.5).max() >= 126


def test_replaying_the_recorded_guided_predictions_rebuilds_the_image(model) -> None:
    """The guided mix shown is exactly what the scheduler stepped with."""
    settings = request(seed=4)
    breakdown = guidance_parts(model, settings)
    scheduler = make_scheduler("DDIM", model.scheduler_config)
    scheduler.set_timesteps(settings.steps)
    latents = starting_noise(model, 4, 1) * scheduler.init_noise_sigma
    for step, t in zip(breakdown.steps, scheduler.timesteps, strict=True):
        guided = torch.from_numpy(step.outputs["guided"])[None]
        latents = scheduler.step(guided, t, latents).prev_sample
    assert np.array_equal(to_uint8(latents)[0], breakdown.image)


def test_guidance_one_still_shows_the_unconditional_prediction(model) -> None:
    breakdown = guidance_parts(model, request(guidance=1.0), at_steps=[1, 2])
    first = breakdown.steps[0]
    assert np.array_equal(first.outputs["guided"], first.outputs["cond"])
    assert not np.array_equal(first.outputs["uncond"], first.outputs["cond"])
    assert "Guidance 1" in breakdown.notes[0]
    sheet = parts_sheet(breakdown)
    assert sheet.height > 2 * 96 and sheet.width > 4 * 96


@pytest.mark.parametrize("steps", ["0", "9", "2.5", "nan", "one", [1, 99]])
def test_steps_to_show_outside_the_run_are_refused(model, steps) -> None:
    with pytest.raises(InvalidInputError, match="Steps to show"):
        guidance_parts(model, request(), at_steps=steps)


# -- guidance x steps grid ---------------------------------------------------------------------
def test_grid_cells_are_the_plain_images_for_their_settings(model) -> None:
    """DDPM (per-step noise) and a guidance-1 row: each cell matches the plain generation with
    its own guidance and steps to within float rounding of a batch."""
    settings = request(scheduler="DDPM", seed=11)
    grid = guidance_grid(model, settings, "1, 4", [4, 8])
    assert grid.guidance_values == [1.0, 4.0] and grid.step_values == [4, 8]
    for row, scale in enumerate(grid.guidance_values):
        for column, steps in enumerate(grid.step_values):
            cell = ImageRequest.checked(
                prompt=CAT, steps=steps, guidance=scale, seed=11, scheduler="DDPM", batch=1
            )
            plain = generate(model, cell).images[0].astype(int)
            difference = np.abs(plain - grid.images[row][column])
            assert difference.max() <= 2 and difference.mean() < 0.1, (scale, steps)
    assert not np.array_equal(grid.images[0][1], grid.images[1][1])  # guidance shows
    sheet = grid_sheet(grid)
    assert sheet.width > 2 * 96 and sheet.height > 2 * 96


def test_grid_progress_counts_every_step_once(model) -> None:
    seen = []
    guidance_grid(model, request(), [2, 3, 5], [2, 3], on_step=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 5) for i in range(1, 6)]


@pytest.mark.parametrize(
    ("guidance_values", "step_values", "message"),
    [
        ([1, 2, 3, 4, 5, 6], [5], "at most 5"),
        ([3], "1 2 3 4 5 6", "at most 5"),
        ([math.nan], [5], "Guidance values"),
        ([25], [5], "Guidance values"),
        ([3], [0], "Step counts"),
        ([3], [101], "Step counts"),
        ([3], [2.5], "whole number"),
        ("", [5], "at least one"),
        ([3], None, "at least one"),
        ([True], [5], "Guidance values"),
    ],
)
def test_bad_grids_are_refused_with_a_sentence(
    model, guidance_values, step_values, message
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        guidance_grid(model, request(), guidance_values, step_values)


def test_the_cap_is_five_by_five() -> None:
    assert MAX_GRID_SIDE == 5


# -- prompt switch -----------------------------------------------------------------------------
@pytest.mark.parametrize("scheduler", ["DDPM", "DPM-Solver++"])
def test_switch_at_zero_is_plain_b_and_at_the_end_plain_a(model, scheduler) -> None:
    first = request(CIRCLE, scheduler=scheduler, seed=2, batch=2)
    plain_a = generate(model, first).images
    plain_b = generate(model, request(SQUARE, scheduler=scheduler, seed=2, batch=2)).images
    at_zero = prompt_switch(model, first, SQUARE, 0).images
    at_end = prompt_switch(model, first, SQUARE, first.steps).images
    assert all(np.array_equal(a, b) for a, b in zip(at_zero, plain_b, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(at_end, plain_a, strict=True))
    halfway = prompt_switch(model, first, SQUARE, 4).images[0]
    assert not np.array_equal(halfway, plain_a[0]) and not np.array_equal(halfway, plain_b[0])


def test_the_background_is_decided_first_then_the_colour_then_the_shape(model) -> None:
    """The demo's claim, read by the independent checker CNN: 25 DPM-Solver++ steps, seed 0."""
    first = ImageRequest.checked(prompt=CIRCLE, steps=25, guidance=3.0, seed=0, batch=1)
    strip = switch_strip(model, first, SQUARE, [2, 6, 16])
    reads = predict(load_or_train_checker(ASSET_DIR), [image for _, image in strip])
    seen = [(a.shape, a.colour, a.background) for a in reads]
    assert seen == [
        ("square", "blue", "white"),
        ("square", "red", "black"),
        ("circle", "red", "black"),
    ]


def test_frames_show_the_prediction_at_every_step(model) -> None:
    result = prompt_switch(model, request(CIRCLE), SQUARE, 3, keep_frames=True)
    assert len(result.predicted_clean) == 8 and result.switch_at == 3
    assert np.abs(result.predicted_clean[-1].astype(int) - result.images[0]).mean() < 10


@pytest.mark.parametrize("k", [-1, 9, 2.5, math.nan, "three", None, True])
def test_switch_steps_outside_the_run_are_refused(model, k) -> None:
    with pytest.raises(InvalidInputError, match="switch step k"):
        prompt_switch(model, request(), SQUARE, k)


def test_switch_strip_is_capped_and_checked(model) -> None:
    with pytest.raises(InvalidInputError, match=f"at most {MAX_STRIP}"):
        switch_strip(model, request(), SQUARE, list(range(9)))
    with pytest.raises(InvalidInputError, match="Switch steps k"):
        switch_strip(model, request(), SQUARE, [0, 12])
    with pytest.raises(InvalidInputError, match="second prompt"):
        prompt_switch(model, request(), 42, 2)


# -- forward noising ---------------------------------------------------------------------------
def test_noising_follows_the_closed_form_of_the_training_schedule(model) -> None:
    steps = [0, 1, 250, 500, 999]
    result = forward_noise(
        model, steps, shape="triangle", colour="blue", background="grey", image_seed=3, noise_seed=9
    )
    attrs = image_data.Attributes("triangle", "blue", "grey")
    import random

    drawn = np.asarray(image_data.draw(attrs, random.Random(3)), dtype=np.float64)
    x0 = drawn.transpose(2, 0, 1) / 127.5 - 1
    eps = torch.randn((1, 3, 32, 32), generator=torch.Generator().manual_seed(9))[0].double()
    assert np.array_equal(result.noise, eps.float().numpy())
    assert np.allclose(result.clean_values, x0, atol=1e-6)
    a_bar = cosine_alpha_bar()
    for view in result.views:
        a = a_bar[view.timestep]
        expected = math.sqrt(a) * x0 + math.sqrt(1 - a) * eps.numpy()
        assert abs(view.alpha_bar - a) < 1e-6
        assert np.allclose(view.noisy_values, expected, atol=1e-5), view.timestep
    assert result.prompt == "a blue triangle on a grey background" and not result.held_out


def test_the_guess_is_one_unet_call_turned_into_a_clean_image(model) -> None:
    result = forward_noise(model, [300], noise_seed=1, prompt="")
    view = result.views[0]
    noisy = torch.from_numpy(view.noisy_values)[None]
    encoded = model.encode([""])
    with torch.inference_mode():
        v = unet_forward(
            model.unet,
            noisy,
            torch.tensor([300]),
            PromptEmbedding(encoded.tokens, encoded.mask, encoded.pooled),
        )
    a = float(cosine_alpha_bar()[300])
    by_hand = math.sqrt(a) * noisy - math.sqrt(1 - a) * v
    assert np.abs(to_uint8(by_hand)[0].astype(int) - view.predicted_clean).max() <= 1


def test_guesses_get_worse_as_the_noise_grows(model) -> None:
    result = forward_noise(model, "50, 500, 999")
    errors = [np.abs(v.predicted_clean.astype(int) - result.clean).mean() for v in result.views]
    assert errors[0] < 6 < errors[2] and errors[0] < errors[1] < errors[2]
    assert result.views[0].alpha_bar > 0.99 and result.views[-1].alpha_bar < 1e-3
    sheet = noising_sheet(result)
    assert sheet.width > 3 * 96


def test_held_out_combinations_can_be_noised_too(model) -> None:
    result = forward_noise(model, 500, shape="cat", colour="green", background="black")
    assert result.held_out and len(result.views) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timesteps": [1000]}, "Timesteps t"),
        ({"timesteps": [-1]}, "Timesteps t"),
        ({"timesteps": [math.nan]}, "Timesteps t"),
        ({"timesteps": list(range(MAX_NOISE_LEVELS + 1))}, "at most"),
        ({"shape": "dog"}, "shape"),
        ({"colour": None}, "colour"),
        ({"image_seed": -1}, "image seed"),
        ({"noise_seed": 1.5}, "noise seed"),
        ({"prompt": 7}, "prompt"),
    ],
)
def test_bad_noising_requests_are_refused(model, overrides, message) -> None:
    with pytest.raises(InvalidInputError, match=message):
        forward_noise(model, **overrides)
