"""Which text backend this process uses, from the environment, with a one-line status saying which
it is and, where it had to fall back, why.

``PLAYGROUND_TEXT_BACKEND`` (documented in the README):
- ``llamacpp`` (default): llama.cpp in-process on the default model's GGUF: the packaged wheel's,
  else the model's GGUF repository in the HF cache, else downloaded from the hub. Without an
  ``xllamacpp`` wheel for this platform, or without any GGUF, it falls back to transformers fp32.
- ``openai``: an OpenAI-compatible server (openai_compat.py names its variables); a server that
  is down or lacks the model at start also falls back to transformers, and the status says so.
- ``transformers``: the fp32 model, always.

``text_backend(registry)`` builds the choice once per process (lazily, thread-safe).

Not here: the engines themselves.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from models.errors import InvalidInputError, PlaygroundError
from models.registry import Registry
from models.sources import PackagedWeights
from models.text.backends.base import BackendKind, TextBackend
from models.text.backends.transformers_fp32 import TransformersBackend

NAMES: dict[str, BackendKind] = {
    "": "llamacpp",
    "llamacpp": "llamacpp",
    "llama.cpp": "llamacpp",
    "llama-cpp": "llamacpp",
    "openai": "openai",
    "transformers": "transformers",
    "fp32": "transformers",
}


@dataclass(frozen=True)
class BackendChoice:
    """The backend in use, what was asked for, and the sentence for the tab's status line."""

    backend: TextBackend
    requested: BackendKind
    status: str

    @property
    def fell_back(self) -> bool:
        return self.backend.kind != self.requested


def requested_kind(environ: Mapping[str, str] | None = None) -> BackendKind:
    env = os.environ if environ is None else environ
    raw = env.get("PLAYGROUND_TEXT_BACKEND", "").strip().lower()
    if raw not in NAMES:
        raise InvalidInputError(
            f"PLAYGROUND_TEXT_BACKEND is '{raw}'; use llamacpp (the default), openai or "
            "transformers."
        )
    return NAMES[raw]


def _fallback(registry: Registry, requested: BackendKind, reason: str) -> BackendChoice:
    backend = TransformersBackend(registry)
    return BackendChoice(backend, requested, f"Writing with {backend.label}: {reason.rstrip('.')}.")


def llamacpp_choice(registry: Registry, packaged: PackagedWeights | None = None) -> BackendChoice:
    """The in-process llama.cpp backend, or transformers with the reason it could not start."""
    from models.builtin import SMOLLM2_WHEEL
    from models.text.backends.gguf_source import find_gguf

    try:
        import xllamacpp  # noqa: F401  (only to know whether the wheel exists here)
    except ImportError:
        return _fallback(
            registry,
            "llamacpp",
            "llama.cpp is not installed for this platform (no xllamacpp wheel)",
        )
    from models.text.backends.llamacpp import LlamaCppBackend, shared_engine

    try:
        gguf = find_gguf(SMOLLM2_WHEEL if packaged is None else packaged)
        backend = LlamaCppBackend(shared_engine(gguf.path), gguf)
    except PlaygroundError as error:
        return _fallback(registry, "llamacpp", f"llama.cpp cannot run here ({error})")
    return BackendChoice(backend, "llamacpp", f"Writing with {backend.label}.")


def openai_choice(registry: Registry, environ: Mapping[str, str] | None = None) -> BackendChoice:
    from models.text.backends.openai_compat import OpenAICompatBackend, OpenAIConfig

    config = OpenAIConfig.from_env(environ)  # a missing or bad variable is the deployer's to fix
    try:
        backend = OpenAICompatBackend(config)
    except PlaygroundError as error:
        return _fallback(registry, "openai", str(error))
    return BackendChoice(backend, "openai", f"Writing with {backend.label}.")


def select_backend(
    registry: Registry,
    environ: Mapping[str, str] | None = None,
    packaged: PackagedWeights | None = None,
) -> BackendChoice:
    """Build the backend the environment asks for (loads an engine; call once per process)."""
    kind = requested_kind(environ)
    if kind == "openai":
        return openai_choice(registry, environ)
    if kind == "llamacpp":
        return llamacpp_choice(registry, packaged)
    backend = TransformersBackend(registry)
    return BackendChoice(backend, "transformers", f"Writing with {backend.label}.")


def backend_column(choice: BackendChoice, model_name: str) -> str:
    """The Models tab's "backend" cell for a text model: who writes with it."""
    backend = choice.backend
    if model_name in backend.models():
        if backend.kind == "llamacpp":
            return "in-process llama.cpp"
        if backend.kind == "openai":
            return f"remote {backend.config.base_url}"
    return "transformers"


_choices: dict[int, BackendChoice] = {}
_choices_lock = threading.Lock()


def text_backend(registry: Registry) -> BackendChoice:
    """The process's backend choice for a registry, built on first use."""
    with _choices_lock:
        choice = _choices.get(id(registry))
        if choice is None:
            choice = select_backend(registry)
            _choices[id(registry)] = choice
        return choice
