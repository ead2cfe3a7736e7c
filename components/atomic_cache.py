"""Gradio's image cache written atomically: no reader ever sees half a picture.

Gradio 6.31 saves every PIL image a handler returns to ``<cache>/<hash of the bytes>/image.png``
by writing that path in place (``processing_utils.save_pil_to_cache``; ``save_bytes_to_cache``
likewise). Two users asking for the same seed get the same bytes, hence the same path: one request
rewriting the file while the other's browser (or API client) reads it gave "cannot identify image
file" under a load test. Files a handler returns as paths are already copied atomically
(``save_file_to_cache``); ``install()`` makes these two do the same: write under a temporary
name in the same folder, then rename into place, and leave an existing complete copy alone.
tests/test_hosting_config.py fails if a Gradio upgrade renames what this replaces.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from gradio import processing_utils

_MARK = "_playground_atomic_cache"


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` in full or not at all, whoever reads it meanwhile."""
    if path.exists() and path.stat().st_size == len(data):
        os.utime(path)  # the same bytes (the file is named by their hash): keep it, fresh
        return
    fd, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def save_pil_to_cache(img: Any, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    data = processing_utils.encode_pil_to_bytes(img, format)
    folder = Path(cache_dir) / processing_utils.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    path = (folder / f"{name}.{format}").resolve()
    write_atomically(path, data)
    return str(path)


def save_bytes_to_cache(data: bytes, file_name: str, cache_dir: str) -> str:
    folder = Path(cache_dir) / processing_utils.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    if not Path(file_name).suffix:
        file_name += processing_utils.detect_audio_format(data)
    path = (folder / Path(file_name).name).resolve()
    write_atomically(path, data)
    return str(path)


def install() -> None:
    """Replace Gradio's two in-place cache writers (idempotent)."""
    if getattr(processing_utils.save_pil_to_cache, _MARK, False):
        return
    for replacement in (save_pil_to_cache, save_bytes_to_cache):
        setattr(replacement, _MARK, True)
        setattr(processing_utils, replacement.__name__, replacement)
