"""The Image tab's handlers (what the buttons and the API call), without a browser."""

from __future__ import annotations

import math

import gradio as gr
import pytest
from PIL import Image

from components.endpoints import endpoint
from components.errors import user_errors
from components.image import handlers
from models.image.catalog import OWN_MODEL, SD_TURBO
from models.image.frames import DISPLAY_SIZE
from models.image.request import ImageRequest


def test_generate_returns_an_upscaled_grid_and_a_summary(real_registry) -> None:
    calls = []
    request = ImageRequest(
        prompt="a blue cat on a grey background", steps=6, guidance=3.0, seed=5, scheduler="DDIM"
    )
    picture, summary = handlers.generate_images(
        real_registry, OWN_MODEL, request,
        progress=lambda fraction, desc="": calls.append(fraction),
    )  # fmt: skip
    assert isinstance(picture, Image.Image)
    assert picture.size == (2 * DISPLAY_SIZE + 4, 2 * DISPLAY_SIZE + 4)  # 2 x 2 tiles, 4px gaps
    assert summary.startswith("4 images · 6 DDIM steps · guidance 3 · seed 5")
    assert calls == [(i, 6) for i in range(1, 7)]


def test_empty_prompt_says_it_is_unconditional(real_registry) -> None:
    request = ImageRequest(prompt="", steps=4, scheduler="DDIM", batch=1)
    _, summary = handlers.generate_images(real_registry, OWN_MODEL, request)
    assert "unconditional" in summary


def test_denoising_frames_one_picture_per_step_plus_final_and_a_gif(real_registry) -> None:
    request = ImageRequest(prompt="a yellow circle on black", steps=7)
    pictures, gif_path = handlers.denoising_frames(real_registry, OWN_MODEL, request)
    assert len(pictures) == 7 + 1
    assert [caption for _, caption in pictures][-1] == "final image"
    assert pictures[0][1].startswith("1/7 · t=")  # short: a gallery caption is one line
    with Image.open(gif_path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 8
        assert gif.size == pictures[0][0].size


def test_compare_prompts_from_the_same_noise(real_registry) -> None:
    seen = []
    request = ImageRequest(prompt="a red square on white", steps=5, scheduler="DDIM")
    first, second = handlers.compare_prompts(
        real_registry, OWN_MODEL, request, "a green square on white",
        progress=lambda fraction, desc="": seen.append(fraction),
    )  # fmt: skip
    assert first.size == second.size == (DISPLAY_SIZE, DISPLAY_SIZE)
    assert list(first.getdata()) != list(second.getdata())
    assert seen[-1] == (10, 10) and len(seen) == 10  # one bar across both runs


@pytest.mark.parametrize(
    ("model", "values", "message"),
    [
        (OWN_MODEL, {"steps": math.nan}, "steps"),
        (OWN_MODEL, {"batch": 99}, "batch size"),
        (OWN_MODEL, {"scheduler": "Heun"}, "Unknown scheduler"),
        ("nobody/none", {}, "No model named"),
        (None, {}, "Pick an image model"),
        (SD_TURBO, {"steps": 1, "guidance": 0, "scheduler": "Euler"}, "not available offline"),
    ],
)
def test_bad_input_becomes_a_readable_error(real_registry, model, values, message) -> None:
    """As the tab's endpoint calls the handler: each setting by name, checked into the
    request (components/endpoints.py), then the handler."""

    def generate(model: str, *, request: ImageRequest):
        return handlers.generate_images(real_registry, model, request)

    wrapped = user_errors(endpoint(generate, request=ImageRequest))
    given = {"prompt": "a cat", "steps": 10, "scheduler": "DDIM", "batch": 1} | values
    with pytest.raises(gr.Error, match=message):
        wrapped(model, **given)
