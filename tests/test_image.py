"""Our own text-to-image model, sampled through the registry exactly as the Image tab does it:
determinism by seed, scheduler switching, frames, same-noise pairs, concurrent calls, bad input."""

from __future__ import annotations

import math
import random
import threading

import numpy as np
import pytest

from models.errors import InvalidInputError, ModelUnavailableError, UnknownModelError
from models.image import data as image_data
from models.image.catalog import OWN_MODEL, SD_TURBO
from models.image.diffusion import generate, same_noise_pair
from models.image.request import ImageRequest
from models.image.schedulers import SCHEDULER_NAMES


@pytest.fixture(scope="module")
def model(real_registry):
    return real_registry.load(OWN_MODEL, kind="text-to-image")


def request(prompt: str = "a red cat on a white background", **overrides) -> ImageRequest:
    settings = {"steps": 8, "guidance": 3.0, "seed": 0, "scheduler": "DDIM", "batch": 1}
    return ImageRequest.checked(prompt=prompt, **(settings | overrides))


# -- data --------------------------------------------------------------------------------------
def test_training_data_never_contains_the_held_out_combinations() -> None:
    images, _, attributes = image_data.make_dataset(400, seed=3)
    assert images.shape == (400, 32, 32, 3) and images.dtype == np.uint8
    assert not any(a.held_out for a in attributes)
    seen_pairs = {(a.shape, a.colour) for a in attributes}
    assert len(seen_pairs) == 16 - len(image_data.HELD_OUT_PAIRS)
    again, _, _ = image_data.make_dataset(400, seed=3)
    assert np.array_equal(images, again)  # reproducible from the seed


def test_captions_name_the_drawn_attributes() -> None:
    rng = random.Random(0)
    attrs = image_data.Attributes("cat", "blue", "grey")
    for _ in range(20):
        text = image_data.caption(attrs, rng)
        named_shape = any(w in text for w in image_data.SHAPE_WORDS["cat"])
        named_background = any(w in text for w in image_data.BACKGROUND_WORDS["grey"])
        assert named_shape and ("blue" in text or named_background)


# -- sampling ----------------------------------------------------------------------------------
def test_same_seed_gives_identical_images_and_another_seed_does_not(model) -> None:
    first = generate(model, request(seed=7, batch=2)).images
    again = generate(model, request(seed=7, batch=2)).images
    other = generate(model, request(seed=8, batch=2)).images
    assert first[0].shape == (32, 32, 3) and first[0].dtype == np.uint8
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[0], first[1])  # a batch is not one image repeated


@pytest.mark.parametrize("scheduler", SCHEDULER_NAMES)
def test_every_scheduler_draws_what_the_prompt_says(model, scheduler) -> None:
    """A red square on white: red-dominant centre, near-white corners, with each scheduler."""
    steps = 25 if scheduler == "DDPM" else 12
    image = generate(model, request("a red square on a white background", steps=steps,
                                    scheduler=scheduler)).images[0].astype(float)  # fmt: skip
    centre, corners = image[12:20, 12:20].mean((0, 1)), image[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert centre[0] > 150 and centre[1] < 110 and centre[2] < 110, centre
    assert corners.mean() > 200, corners


def test_switching_schedulers_leaves_no_state_behind(model) -> None:
    before = generate(model, request(scheduler="DPM-Solver++")).images[0]
    ddpm = generate(model, request(scheduler="DDPM")).images[0]
    after = generate(model, request(scheduler="DPM-Solver++")).images[0]
    assert np.array_equal(before, after)
    assert not np.array_equal(before, ddpm)


def test_frames_one_per_step_with_noisy_and_predicted_images(model) -> None:
    result = generate(model, request(steps=10), keep_frames=True)
    assert [f.step for f in result.frames] == list(range(1, 11))
    first, last = result.frames[0], result.frames[-1]
    assert first.noisy.shape == first.predicted_clean.shape == (32, 32, 3)
    # The first input is almost pure noise; the last prediction is almost the final image.
    assert np.abs(first.noisy.astype(int) - result.images[0]).mean() > 40
    assert np.abs(last.predicted_clean.astype(int) - result.images[0]).mean() < 10


def test_progress_callback_sees_every_step(model) -> None:
    seen = []
    generate(model, request(steps=6), on_step=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(1, 7)]


def test_same_noise_two_prompts(model) -> None:
    red, blue = same_noise_pair(model, request("a red circle on a black background"),
                                "a blue circle on a black background")  # fmt: skip
    assert not np.array_equal(red.images[0], blue.images[0])
    assert red.images[0][..., 0].mean() > blue.images[0][..., 0].mean()
    assert blue.images[0][..., 2].mean() > red.images[0][..., 2].mean()
    # Same prompt twice from the same noise: the very same image.
    twin, again = same_noise_pair(model, request("a red circle"), "a red circle")
    assert np.array_equal(twin.images[0], again.images[0])


def test_concurrent_calls_each_get_their_own_correct_images(model) -> None:
    jobs = [request(p, scheduler=s, seed=i) for i, (p, s) in
            enumerate(zip(["a red cat", "a blue square", "a yellow triangle", "a green circle"],
                          ["DPM-Solver++", "DDPM", "Euler", "DDIM"], strict=True))]  # fmt: skip
    expected = [generate(model, job).images[0] for job in jobs]
    results: dict[int, np.ndarray] = {}
    barrier = threading.Barrier(len(jobs))

    def run(index: int) -> None:
        barrier.wait()
        results[index] = generate(model, jobs[index]).images[0]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.array_equal(results[i], expected[i]) for i in range(len(jobs)))


def test_empty_prompt_is_unconditional_generation(model) -> None:
    result = generate(model, request("   ", batch=2))
    assert result.unconditional and len(result.images) == 2
    assert not generate(model, request()).unconditional


def test_prompts_in_other_scripts_and_emoji_still_generate(model) -> None:
    result = generate(model, request("🐱 一只红色的猫 on white, ¿por qué?"))
    assert result.images[0].shape == (32, 32, 3)


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("steps", 0, "steps"),
        ("steps", 101, "steps"),
        ("steps", 2.5, "whole number"),
        ("steps", math.nan, "steps"),
        ("steps", "ten", "steps"),
        ("guidance", math.inf, "guidance"),
        ("guidance", -1, "guidance"),
        ("guidance", None, "guidance"),
        ("seed", -5, "seed"),
        ("seed", 2**40, "seed"),
        ("batch", 17, "batch"),
        ("batch", True, "batch"),
        ("scheduler", "PNDM", "Unknown scheduler"),
        ("scheduler", None, "Unknown scheduler"),
        ("prompt", "x" * 501, "characters"),
        ("prompt", 42, "text"),
        ("negative_prompt", ["a"], "text"),
    ],
)
def test_bad_parameters_are_refused_with_a_sentence(field, value, message) -> None:
    values = {"prompt": "a cat", "negative_prompt": "", "steps": 10, "guidance": 3, "seed": 0,
              "scheduler": "DDIM", "batch": 1} | {field: value}  # fmt: skip
    with pytest.raises(InvalidInputError, match=message):
        ImageRequest.checked(**values)


def test_numbers_sent_as_strings_by_api_callers_are_accepted() -> None:
    checked = ImageRequest.checked(
        prompt="a cat",
        negative_prompt="",
        steps="20",
        guidance="2.5",
        seed="42",
        scheduler="Euler",
        batch="3",
    )
    assert (checked.steps, checked.guidance, checked.seed, checked.batch) == (20, 2.5, 42, 3)


def test_registry_lists_our_model_first_and_hub_models_fail_offline_with_a_fix(
    real_registry,
) -> None:
    assert real_registry.default("text-to-image") == OWN_MODEL
    assert SD_TURBO in real_registry.names("text-to-image")
    with pytest.raises(ModelUnavailableError, match="HF_HUB_OFFLINE"):
        real_registry.load(SD_TURBO, kind="text-to-image")
    with pytest.raises(UnknownModelError):
        real_registry.load("no/such-model", kind="text-to-image")


def test_the_same_seed_gives_the_same_pixels_under_load(real_registry) -> None:
    """A busy server: images drawn while other threads draw too and other work changes torch's
    thread count (as the Text tab's decode loop does) equal the image drawn alone, exactly."""
    import torch

    from models.text.decode_loop import intra_op_threads

    model = real_registry.load(OWN_MODEL, kind="text-to-image")
    request = ImageRequest.checked(
        prompt="a green cat on a black background",
        negative_prompt="",
        steps=12,
        guidance=3.0,
        seed=5,
        scheduler="DDIM",
        batch=2,
    )
    alone = generate(model, request).images
    with intra_op_threads(1):  # another thread count alone: the same pixels too
        again = generate(model, request).images
        assert all(np.array_equal(a, b) for a, b in zip(again, alone, strict=True))
    busy, results = threading.Event(), []

    def toggle_threads() -> None:
        x = torch.randn(256, 256)
        while not busy.is_set():
            for count in (1, 2):
                with intra_op_threads(count):
                    x @ x

    def draw() -> None:
        for _ in range(3):
            results.append(generate(model, request).images)

    others = [threading.Thread(target=toggle_threads) for _ in range(2)]
    drawers = [threading.Thread(target=draw) for _ in range(2)]
    for thread in others + drawers:
        thread.start()
    for thread in drawers:
        thread.join()
    busy.set()
    for thread in others:
        thread.join()
    assert len(results) == 6
    for images in results:
        assert all(np.array_equal(a, b) for a, b in zip(images, alone, strict=True))
