"""Hub text-to-image pipelines (e.g. ``stabilityai/sd-turbo``) through diffusers' AutoPipeline.

Loading turns a hub id or a saved pipeline folder into a ``HubPipelineModel``; generating runs the
pipeline with a scheduler built for that call alone (the loaded pipeline is shared by every user
and never mutated), reports progress through ``callback_on_step_end``, and can record the decoded
latents at every step for the denoising view. The predicted clean image per step is not exposed
by diffusers pipelines, so hub frames carry only the noisy image.

Our own model's sampling loop is in models/image/diffusion.py.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.device import pick_device, pick_dtype
from models.registry import LoadedModel, count_parameters
from models.sources import ModelSource, explain_hub_failure

if TYPE_CHECKING:
    from models.image.request import GenerationResult, ImageRequest, StepCallback


@dataclass
class HubPipelineModel:
    """A loaded diffusers text-to-image pipeline, shared read-only."""

    pipeline: Any
    name: str

    @property
    def resolution(self) -> int:
        unet = self.pipeline.unet
        return int(unet.config.sample_size) * int(self.pipeline.vae_scale_factor)


def load_hub_text_to_image(source: ModelSource) -> LoadedModel:
    """A text-to-image pipeline from a hub id or folder, on the best device and dtype."""
    import torch
    from diffusers import AutoPipelineForText2Image

    device = pick_device()
    dtype = pick_dtype(device)
    try:
        pipeline = AutoPipelineForText2Image.from_pretrained(source.location, dtype=dtype)
    except (OSError, ValueError) as error:
        raise explain_hub_failure(source.location, error) from error
    pipeline.to(device)
    pipeline.set_progress_bar_config(disable=True)
    modules = [m for m in pipeline.components.values() if isinstance(m, torch.nn.Module)]
    parameters = sum(count_parameters(m) for m in modules)
    dtype_name = str(dtype).removeprefix("torch.")
    return LoadedModel(HubPipelineModel(pipeline, source.location), parameters, device, dtype_name)


def generate_with_pipeline(
    model: HubPipelineModel,
    request: ImageRequest,
    *,
    on_step: StepCallback | None = None,
    keep_frames: bool = False,
) -> GenerationResult:
    import torch

    from models.image.request import Frame, GenerationResult, to_uint8

    pipeline = per_call_pipeline(model, request.scheduler)
    generator = torch.Generator(device="cpu").manual_seed(request.seed)
    frames: list[Frame] = []

    def step_end(pipe: Any, index: int, timestep: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        if keep_frames:
            latents = kwargs["latents"][:1]
            with torch.inference_mode():
                decoded = pipe.vae.decode(latents / pipe.vae.config.scaling_factor).sample
            frames.append(Frame(index + 1, float(timestep), to_uint8(decoded)[0], None))
        if on_step is not None:
            on_step(index + 1, request.steps)
        return {}

    output = pipeline(
        prompt=request.prompt,
        negative_prompt=request.negative_prompt or None,
        num_inference_steps=request.steps,
        guidance_scale=request.guidance,
        num_images_per_prompt=request.batch,
        generator=generator,
        output_type="np",
        callback_on_step_end=step_end,
    )
    return GenerationResult(pipeline_images(output.images), frames, not request.prompt)


def per_call_pipeline(model: HubPipelineModel, scheduler_name: str) -> Any:
    """A pipeline object of our own for one call: the same (read-only) modules, its own
    scheduler of kind ``scheduler_name``."""
    from models.image.schedulers import make_scheduler

    shared = model.pipeline
    scheduler = make_scheduler(scheduler_name, dict(shared.scheduler.config))
    extra = {}
    if "requires_safety_checker" in inspect.signature(type(shared).__init__).parameters:
        # Keep the loaded pipeline's choice (else diffusers warns on every call).
        extra["requires_safety_checker"] = bool(shared.config.get("requires_safety_checker", True))
    pipeline = type(shared)(**{**shared.components, "scheduler": scheduler}, **extra)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def pipeline_images(images: Any) -> list[Any]:
    """A pipeline's ``output_type="np"`` images (floats in [0, 1]) as uint8 H x W x 3 arrays."""
    import numpy as np

    return [np.asarray(image * 255).round().clip(0, 255).astype(np.uint8) for image in images]
