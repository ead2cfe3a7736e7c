"""The text-to-image models the Image tab can pick: our own (default) and hub pipelines.

``register_image_models(registry, embedder_name)`` adds them to the registry. Our model's loader
asks the registry for the sentence embedder when it first encodes a prompt, so the Image and
Embeddings tabs share one copy of all-MiniLM-L6-v2.
"""

from __future__ import annotations

from functools import partial

from models.errors import ModelUnavailableError
from models.image.hub_pipeline import load_hub_text_to_image
from models.registry import LoadedModel, ModelSpec, Registry, count_parameters
from models.sources import ModelSource, resolve

OWN_MODEL = "playground/cats-and-shapes-32px"
SD_TURBO = "stabilityai/sd-turbo"


def own_model_source() -> ModelSource:
    from models.image.tiny_model import ASSET_DIR, WEIGHTS_FILE

    if not (ASSET_DIR / WEIGHTS_FILE).is_file():
        raise ModelUnavailableError(
            f"Our image model's weights are missing from {ASSET_DIR}: restore them from git, or "
            "retrain with `.venv/bin/python scripts/train_image_model.py`."
        )
    return ModelSource("local", str(ASSET_DIR), "trained here (assets/image_model)")


def load_own_model(source: ModelSource, registry: Registry, embedder_name: str) -> LoadedModel:
    from pathlib import Path

    from models.image.diffusion import OwnDiffusionModel
    from models.image.tiny_model import load_unet

    unet, meta = load_unet(Path(source.location))
    model = OwnDiffusionModel(
        unet=unet,
        scheduler_config=meta["scheduler"],
        embedder=partial(registry.load, embedder_name, kind="sentence-embedder"),
        resolution=int(meta["unet"]["sample_size"]),
    )
    return LoadedModel(model, count_parameters(unet), "cpu", "float32")


def own_model_spec(registry: Registry, embedder_name: str) -> ModelSpec:
    return ModelSpec(
        name=OWN_MODEL,
        kind="text-to-image",
        label="Cats & shapes 32×32 (ours, offline)",
        description="1.2M-parameter UNet trained here on drawn cats and shapes; prompts via "
        "all-MiniLM-L6-v2.",
        resolve_source=own_model_source,
        load=partial(load_own_model, registry=registry, embedder_name=embedder_name),
    )


def hub_pipeline_spec(hub_id: str, label: str = "") -> ModelSpec:
    return ModelSpec(
        name=hub_id,
        kind="text-to-image",
        label=label or hub_id,
        description="diffusers text-to-image pipeline from the Hugging Face hub.",
        resolve_source=partial(resolve, hub_id),
        load=load_hub_text_to_image,
        hub_only=hub_id,
    )


def register_image_models(registry: Registry, embedder_name: str) -> None:
    """Our model (the default) and sd-turbo (usable where the hub, or its cache, is reachable)."""
    registry.register(own_model_spec(registry, embedder_name))
    registry.register(hub_pipeline_spec(SD_TURBO, "sd-turbo (hub, 512×512)"))
