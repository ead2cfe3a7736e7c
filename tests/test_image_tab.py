"""The Image tab's handlers (what the buttons and the API call), without a browser."""

from __future__ import annotations

import math

import gradio as gr
import pytest
from PIL import Image

from components.errors import user_errors
from components.image import handlers
from models.image.catalog import OWN_MODEL, SD_TURBO
from models.image.frames import DISPLAY_SIZE


def test_generate_returns_an_upscaled_grid_and_a_summary(real_registry) -> None:
    calls = []
    picture, summary = handlers.generate_images(
        real_registry, OWN_MODEL, "a blue cat on a grey background", "", 6, 3.0, 5, "DDIM", 4,
        progress=lambda fraction, desc="": calls.append(fraction),
    )  # fmt: skip
    assert isinstance(picture, Image.Image)
    assert picture.size == (2 * DISPLAY_SIZE + 4, 2 * DISPLAY_SIZE + 4)  # 2 x 2 tiles, 4px gaps
    assert summary.startswith("4 images · 6 DDIM steps · guidance 3 · seed 5")
    assert calls == [(i, 6) for i in range(1, 7)]


def test_empty_prompt_says_it_is_unconditional(real_registry) -> None:
    _, summary = handlers.generate_images(real_registry, OWN_MODEL, "", "", 4, 3, 0, "DDIM", 1)
    assert "unconditional" in summary


def test_denoising_frames_one_picture_per_step_plus_final_and_a_gif(real_registry) -> None:
    pictures, gif_path = handlers.denoising_frames(
        real_registry, OWN_MODEL, "a yellow circle on black", "", 7, 3.0, 0, "DPM-Solver++"
    )
    assert len(pictures) == 7 + 1
    assert [caption for _, caption in pictures][-1] == "final image"
    assert pictures[0][1].startswith("1/7 · t=")  # short: a gallery caption is one line
    with Image.open(gif_path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 8
        assert gif.size == pictures[0][0].size


def test_compare_prompts_from_the_same_noise(real_registry) -> None:
    seen = []
    first, second = handlers.compare_prompts(
        real_registry, OWN_MODEL, "a red square on white", "a green square on white", "", 5, 3.0,
        0, "DDIM", progress=lambda fraction, desc="": seen.append(fraction),
    )  # fmt: skip
    assert first.size == second.size == (DISPLAY_SIZE, DISPLAY_SIZE)
    assert list(first.getdata()) != list(second.getdata())
    assert seen[-1] == (10, 10) and len(seen) == 10  # one bar across both runs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((OWN_MODEL, "a cat", "", math.nan, 3, 0, "DDIM", 1), "steps"),
        ((OWN_MODEL, "a cat", "", 10, 3, 0, "DDIM", 99), "batch size"),
        ((OWN_MODEL, "a cat", "", 10, 3, 0, "Heun", 1), "Unknown scheduler"),
        (("nobody/none", "a cat", "", 10, 3, 0, "DDIM", 1), "No model named"),
        ((None, "a cat", "", 10, 3, 0, "DDIM", 1), "Pick an image model"),
        ((SD_TURBO, "a cat", "", 1, 0, 0, "Euler", 1), "not available offline"),
    ],
)
def test_bad_input_becomes_a_readable_error(real_registry, args, message) -> None:
    wrapped = user_errors(lambda *a: handlers.generate_images(real_registry, *a))
    with pytest.raises(gr.Error, match=message):
        wrapped(*args)
