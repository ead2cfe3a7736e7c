"""The hub-pipeline path (AutoPipelineForText2Image), offline, on a tiny randomly initialised
Stable Diffusion pipeline that the test builds from configs and saves to a temporary folder."""

from __future__ import annotations

import numpy as np
import pytest

from models.builtin import default_registry
from models.image.diffusion import generate, same_noise_pair
from models.image.hub_pipeline import HubPipelineModel
from models.image.request import ImageRequest
from models.image.schedulers import SCHEDULER_NAMES
from tests.tiny_sd_pipeline import save_tiny_sd_pipeline


@pytest.fixture(scope="module")
def tiny_pipeline_folder(tmp_path_factory):
    return save_tiny_sd_pipeline(tmp_path_factory.mktemp("tiny-sd"))


@pytest.fixture(scope="module")
def registry(tiny_pipeline_folder):
    # Added the way a deployment adds a pipeline: PLAYGROUND_MODELS=text-to-image:<folder>.
    return default_registry({"PLAYGROUND_MODELS": f"text-to-image:{tiny_pipeline_folder}"})


@pytest.fixture(scope="module")
def pipeline_model(registry, tiny_pipeline_folder):
    return registry.load(str(tiny_pipeline_folder), kind="text-to-image")


def request(**overrides) -> ImageRequest:
    settings = {"prompt": "a cat", "steps": 3, "guidance": 5.0, "seed": 1, "scheduler": "DDIM",
                "batch": 1}  # fmt: skip
    return ImageRequest.checked(**(settings | overrides))


def test_the_saved_pipeline_loads_through_the_registry(registry, tiny_pipeline_folder) -> None:
    model = registry.load(str(tiny_pipeline_folder), kind="text-to-image")
    assert isinstance(model, HubPipelineModel)
    assert type(model.pipeline).__name__ == "StableDiffusionPipeline"
    status = registry.status(str(tiny_pipeline_folder))
    assert status.state == "loaded" and status.source == "local" and status.parameters > 0


@pytest.mark.parametrize("scheduler", SCHEDULER_NAMES)
def test_each_scheduler_runs_and_the_seed_fixes_the_images(pipeline_model, scheduler) -> None:
    first = generate(pipeline_model, request(scheduler=scheduler, batch=2)).images
    again = generate(pipeline_model, request(scheduler=scheduler, batch=2)).images
    assert len(first) == 2 and first[0].shape == (16, 16, 3) and first[0].dtype == np.uint8
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    other = generate(pipeline_model, request(scheduler=scheduler, seed=2)).images[0]
    assert not np.array_equal(first[0], other)


def test_calls_never_change_the_shared_pipeline(pipeline_model) -> None:
    shared_scheduler = pipeline_model.pipeline.scheduler
    generate(pipeline_model, request(scheduler="Euler"))
    generate(pipeline_model, request(scheduler="DPM-Solver++"))
    assert pipeline_model.pipeline.scheduler is shared_scheduler
    assert type(shared_scheduler).__name__ == "DDIMScheduler"


def test_frames_and_progress_one_per_step(pipeline_model) -> None:
    seen = []
    result = generate(pipeline_model, request(steps=4), keep_frames=True,
                      on_step=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [f.step for f in result.frames] == [1, 2, 3, 4]
    assert result.frames[0].noisy.shape == (16, 16, 3)
    assert result.frames[0].predicted_clean is None  # pipelines do not expose it


def test_negative_prompt_and_same_seed_pairs(pipeline_model) -> None:
    plain = generate(pipeline_model, request()).images[0]
    steered = generate(pipeline_model, request(negative_prompt="dog")).images[0]
    assert not np.array_equal(plain, steered)
    first, second = same_noise_pair(pipeline_model, request(), "a cat")
    assert np.array_equal(first.images[0], second.images[0])
