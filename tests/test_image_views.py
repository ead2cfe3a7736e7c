"""The Image tab's steering views through their handlers and API endpoints (our own model, real
weights, offline): what the summaries say, the PNG exports, the JSON the API returns, and bad
input refused with a sentence."""

from __future__ import annotations

import base64
import io
import json
import math
from dataclasses import replace

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from components.errors import user_errors
from components.image import steering_handlers as views
from components.image.presets import (
    GUIDANCE_DEMOS,
    IMAGE_DEMOS,
    NOISE_DEMOS,
    SWITCH_DEMOS,
    VIEW_PRESETS,
)
from models.image.catalog import OWN_MODEL
from models.image.diffusion import generate
from models.image.forward_noise import NoiseView, checked_attributes
from models.image.guidance import GridView, PartsView
from models.image.prompt_switch import SwitchView
from models.image.request import ImageRequest

CAT = "a red cat on a white background"
SQUARE = "a blue square on a black background"


def decoded(text: str) -> np.ndarray:
    return np.array(Image.open(io.BytesIO(base64.b64decode(text))).convert("RGB"))


def is_png(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def api(real_registry):
    """The tab's endpoints, as the server calls them (user_errors included)."""
    from components.image.tab import build

    with gr.Blocks() as demo:
        build(real_registry)
    return {fn.api_name: fn.fn for fn in demo.fns.values() if fn.api_name}


# -- guidance taken apart ----------------------------------------------------------------------
def test_the_guided_mix_in_the_api_data_is_uncond_plus_scale_times_difference(
    real_registry,
) -> None:
    seen = []
    request = ImageRequest(prompt=CAT, steps=6, guidance=3.5, seed=2, scheduler="DDIM")
    view = views.guidance_parts_view(
        real_registry, OWN_MODEL, request, PartsView(at_steps="1, 3, 6", include_predictions=True),
        progress=lambda done, desc="": seen.append(done),
    )  # fmt: skip
    data = json.loads(json.dumps(view.data))  # what an API caller receives
    assert data["at_steps"] == [1, 3, 6] and [p["step"] for p in data["parts"]] == [1, 3, 6]
    for part in data["parts"]:
        uncond, cond, guided = (
            np.array(part["predictions"][k], dtype=np.float32) for k in ("uncond", "cond", "guided")
        )
        assert uncond.shape == (3, 32, 32)
        assert np.array_equal(guided, uncond + np.float32(3.5) * (cond - uncond))
        assert not np.array_equal(uncond, cond) and part["difference_scale"] > 0
    # The run behind the pictures is a plain generation: its final image is /generate_image's.
    plain = generate(real_registry.load(OWN_MODEL), replace(request, batch=1))
    assert np.array_equal(decoded(data["image_png_base64"]), plain.images[0])
    assert seen == [(i, 6) for i in range(1, 7)]
    assert view.summary.startswith("Guidance 3.5 taken apart at steps 1, 3, 6 of 6 DDIM steps")
    assert is_png(view.png) and Image.open(view.png).size == view.picture.size
    assert decoded(data["sheet_png_base64"]).shape[:2] == view.picture.size[::-1]


def test_no_steps_named_means_six_spread_over_the_run(real_registry) -> None:
    assert views.spread_steps("", 25) == [1, 6, 11, 15, 20, 25]
    assert views.spread_steps(None, 3) == [1, 2, 3]
    request = ImageRequest(prompt=CAT, steps=10, scheduler="DDIM")
    view = views.guidance_parts_view(real_registry, OWN_MODEL, request, PartsView())
    assert view.data["at_steps"] == [1, 3, 5, 6, 8, 10]
    assert "predictions" not in view.data["parts"][0]  # raw outputs only when asked


def test_the_grid_has_one_cell_per_pair_from_one_seed(real_registry) -> None:
    request = ImageRequest(prompt=CAT, seed=7, scheduler="DDIM")
    grid = GridView(guidance_values="1, 6", step_values="2, 4, 4")
    view = views.guidance_grid_view(real_registry, OWN_MODEL, request, grid)
    data = view.data
    assert data["guidance_values"] == [1.0, 6.0] and data["step_values"] == [2, 4]  # dupes dropped
    assert [len(row) for row in data["cells_png_base64"]] == [2, 2]
    cells = [[decoded(cell) for cell in row] for row in data["cells_png_base64"]]
    assert not np.array_equal(cells[0][1], cells[1][1])  # guidance changes the picture
    assert view.summary.startswith("2 × 2 grid = 4 images from one seed (7)")
    assert is_png(view.png)


# -- prompt switch -----------------------------------------------------------------------------
def test_switching_at_the_last_step_is_prompt_a_and_at_zero_prompt_b(real_registry) -> None:
    model = real_registry.load(OWN_MODEL)
    settings = {"steps": 6, "guidance": 3.0, "seed": 1, "scheduler": "DDIM", "batch": 1}
    switch = SwitchView(second_prompt=SQUARE, switch_at=2, switch_points="0, 6, 2")
    view = views.prompt_switch_view(
        real_registry, OWN_MODEL, ImageRequest(prompt=CAT, **settings), switch
    )
    data = view.data
    only_a = generate(model, ImageRequest.checked(prompt=CAT, **settings)).images[0]
    only_b = generate(model, ImageRequest.checked(prompt=SQUARE, **settings)).images[0]
    assert np.array_equal(decoded(data["only_a_png_base64"]), only_a)
    assert np.array_equal(decoded(data["only_b_png_base64"]), only_b)
    strip = {item["k"]: item for item in data["strip"]}
    assert list(strip) == [0, 2, 6]  # in increasing k
    assert strip[0]["to_b"] == 0 and strip[6]["to_a"] == 0
    assert np.array_equal(decoded(strip[2]["png_base64"]), decoded(data["image_png_base64"]))
    assert "for the first 2 of 6 DDIM steps" in view.summary
    assert view.extra is not None and is_png(view.png)


def test_the_default_strip_scales_to_the_steps(real_registry) -> None:
    assert views.default_switch_points(25) == [0, 2, 6, 10, 16, 25]
    assert views.default_switch_points(10) == [0, 1, 2, 4, 6, 10]
    view = views.prompt_switch_view(
        real_registry, OWN_MODEL, ImageRequest(prompt=CAT, steps=5),
        SwitchView(second_prompt=SQUARE, switch_at=3),
    )  # fmt: skip
    assert [item["k"] for item in view.data["strip"]] == views.default_switch_points(5)


# -- forward noising ---------------------------------------------------------------------------
def test_forward_noising_reports_the_signal_left_and_the_guess_error(real_registry) -> None:
    view = views.forward_noise_view(
        real_registry, OWN_MODEL,
        NoiseView(shape="cat", colour="green", background="black", timesteps="0, 500, 999"),
    )  # fmt: skip
    levels = view.data["levels"]
    assert [level["timestep"] for level in levels] == [0, 500, 999]
    shares = [level["alpha_bar"] for level in levels]
    assert shares[0] > 0.99 and shares == sorted(shares, reverse=True) and shares[-1] < 0.01
    assert levels[0]["guess_error"] < 5 < levels[-1]["guess_error"]  # 0-255 pixel units
    assert view.data["held_out"] is True and "never seen in training" in view.summary
    assert view.data["prompt"] == "a green cat on a black background"
    assert is_png(view.png)


# -- the API refuses bad input with a sentence -------------------------------------------------
@pytest.mark.parametrize(
    ("endpoint", "kwargs", "message"),
    [
        ("prompt_switch", {"steps": 10, "switch_at": 11}, "switch step k must be a whole number "
         "from 0 to 10"),
        ("prompt_switch", {"switch_points": "0, 5, 40", "steps": 25}, "Switch steps k"),
        ("prompt_switch", {"switch_points": "0,1,2,3,4,5,6,7,8"}, "at most 8 different"),
        ("guidance_grid", {"guidance_values": "1, 2, 3, 4, 5, 6"}, "at most 5 different"),
        ("guidance_grid", {"step_values": "5, nan"}, "Step counts must be a whole number"),
        ("guidance_parts", {"guidance": math.nan}, "guidance scale must be a number"),
        ("guidance_parts", {"steps": 8, "at_steps": "1, 9"}, "Steps to show must be a whole"),
        ("forward_noise", {"timesteps": "0, 1000"}, "from 0 to 999"),
        ("forward_noise", {"image_seed": math.nan}, "image seed must be a whole number"),
        ("forward_noise", {"shape": "dog"}, "Pick a shape from: cat, circle"),
        ("guidance_parts", {"model": "nobody/none"}, "No model named"),
    ],
)  # fmt: skip
def test_api_endpoints_refuse_bad_input_with_a_sentence(api, endpoint, kwargs, message) -> None:
    with pytest.raises(gr.Error, match=message) as caught:
        api[endpoint](**kwargs)
    assert str(caught.value.message).rstrip().endswith(".")


def test_api_endpoints_return_json_with_their_defaults(api) -> None:
    noise = api["forward_noise"]()
    assert [level["timestep"] for level in noise["levels"]] == [0, 100, 250, 500, 750, 900, 999]
    switch = api["prompt_switch"](steps=4, switch_at=2, switch_points="0, 4")
    assert switch["switch_at"] == 2 and switch["steps"] == 4
    json.dumps(noise) and json.dumps(switch)


def test_the_endpoints_share_the_heavy_group() -> None:
    from app import build_app
    from components.concurrency import heavy
    from models.registry import Registry
    from tests.fakes import fake_spec

    registry = Registry()
    registry.register(fake_spec("fake-lm"))
    registry.register(fake_spec("fake-enc", kind="sentence-embedder"))
    demo = build_app(registry)
    groups = {fn.api_name: fn.concurrency_id for fn in demo.fns.values()}
    for name in ("guidance_parts", "guidance_grid", "prompt_switch", "forward_noise"):
        assert groups[name] == heavy()["concurrency_id"], name
    ids = {block.elem_id for block in demo.blocks.values()}
    assert {f"image-preset-{p.slug}" for p in VIEW_PRESETS} <= ids
    for view in ("guidance", "grid", "switch", "noise"):
        assert {f"image-{view}-button", f"image-{view}-summary", f"image-{view}-png"} <= ids


# -- one-click demos ---------------------------------------------------------------------------
def test_each_view_demo_is_valid_and_has_a_slug_of_its_own() -> None:
    slugs = [p.slug for p in VIEW_PRESETS]
    assert slugs == [*GUIDANCE_DEMOS, *SWITCH_DEMOS, *NOISE_DEMOS]
    assert not set(slugs) & set(IMAGE_DEMOS)
    for request, parts in GUIDANCE_DEMOS.values():
        assert request.validated() == request
        views.spread_steps(parts.at_steps, request.steps)
    for request, switch in SWITCH_DEMOS.values():
        assert request.validated() == request and switch.second_prompt
        assert 0 <= switch.switch_at <= request.steps
        assert all(0 <= int(p) <= request.steps for p in switch.switch_points.split(","))
    for noise in NOISE_DEMOS.values():
        assert noise.validated() == noise
        checked_attributes(noise.shape, noise.colour, noise.background)


def test_a_bad_view_input_through_the_ui_wrapper_is_a_readable_error(real_registry) -> None:
    wrapped = user_errors(lambda *a: views.prompt_switch_view(real_registry, *a))
    with pytest.raises(gr.Error, match="Pick an image model"):
        wrapped(None, ImageRequest(prompt=CAT), SwitchView(second_prompt=SQUARE, switch_at=3))
