"""Scratch folders for files a handler writes for download (CSV, HTML, GIF, adapter zips).

Every export goes to a fresh folder under one root (``$TMPDIR/playground-scratch``, or
``PLAYGROUND_SCRATCH_DIR``), and making a folder first prunes the root: folders older than
``MAX_AGE_SECONDS`` go, and past ``MAX_FOLDERS`` the oldest go too. So disk use stays bounded on a
public server however many people export, without tracking who made which file.

Gradio copies every file a handler returns into its own cache after the handler returns (app.py
bounds that cache with ``delete_cache``), so our copy is needed from writing it until that copy,
which on a busy server can wait behind other requests: a folder younger than
``MIN_KEEP_SECONDS`` is never deleted, even past ``MAX_FOLDERS`` (a burst can then hold up to
``HARD_MAX_FOLDERS``, when the oldest young ones go after all, so the disk stays bounded).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

log = logging.getLogger("playground")

MAX_AGE_SECONDS = 15 * 60  # far longer than any handler needs between writing and returning
MAX_FOLDERS = 200  # a burst of exports from a lecture hall still cannot fill the disk
MIN_KEEP_SECONDS = 60  # a handler's file lives at least this long, copied or not
HARD_MAX_FOLDERS = 5 * MAX_FOLDERS
_prune_lock = threading.Lock()  # two handlers pruning at once would race on the same folders


def scratch_root() -> Path:
    configured = os.environ.get("PLAYGROUND_SCRATCH_DIR", "").strip()
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "playground-scratch"


def new_folder(kind: str, root: Path | None = None) -> Path:
    """A fresh, empty folder named ``<kind>-<random>`` for one export; prunes old ones first."""
    root = root or scratch_root()
    root.mkdir(parents=True, exist_ok=True)
    prune(root)
    folder = root / f"{kind}-{uuid.uuid4().hex}"
    folder.mkdir()
    return folder


def prune(
    root: Path,
    max_age: float = MAX_AGE_SECONDS,
    max_folders: int = MAX_FOLDERS,
    now: float | None = None,
    min_keep: float = MIN_KEEP_SECONDS,
    hard_max: int = HARD_MAX_FOLDERS,
) -> int:
    """Delete folders under ``root`` older than ``max_age`` seconds, then the oldest beyond
    ``max_folders - 1`` (room for the one about to be made) among those older than ``min_keep``,
    and past ``hard_max`` the oldest whatever their age. Returns how many were deleted."""
    now = time.time() if now is None else now
    with _prune_lock:
        folders = []
        for entry in os.scandir(root):
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
            except OSError:  # deleted by another process meanwhile
                continue
        folders.sort()
        expired = [path for mtime, path in folders if now - mtime > max_age]
        kept = [(mtime, path) for mtime, path in folders if now - mtime <= max_age]
        over = max(0, len(kept) - (max_folders - 1))
        settled = [path for mtime, path in kept if now - mtime > min_keep]
        expired += settled[:over]
        young = [path for mtime, path in kept if now - mtime <= min_keep]
        expired += young[: max(0, len(young) - (hard_max - 1))]
        for path in expired:
            shutil.rmtree(path, ignore_errors=True)
        if expired:
            log.info("Scratch space: deleted %d old export folder(s)", len(expired))
        return len(expired)
