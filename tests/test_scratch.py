"""Export files stay bounded: old scratch folders are pruned by age and by count."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from components.embeddings import exports as embedding_exports
from models import scratch


def make_folder(root: Path, name: str, age: float) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "file.csv").write_text("x")
    stamp = time.time() - age
    os.utime(folder, (stamp, stamp))
    return folder


def test_folders_older_than_the_limit_are_deleted(tmp_path: Path) -> None:
    old = make_folder(tmp_path, "embeddings-old", age=scratch.MAX_AGE_SECONDS + 60)
    young = make_folder(tmp_path, "embeddings-young", age=5)
    assert scratch.prune(tmp_path) == 1
    assert not old.exists() and young.exists()


def test_past_the_count_limit_the_oldest_go(tmp_path: Path) -> None:
    for n in range(6):
        make_folder(tmp_path, f"attention-{n}", age=100 - n)  # attention-0 is the oldest
    assert scratch.prune(tmp_path, max_folders=4) == 3  # room for 3 plus the one being made
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"attention-{n}" for n in (3, 4, 5)]


def test_new_folder_is_fresh_and_prunes(tmp_path: Path) -> None:
    old = make_folder(tmp_path, "denoising-old", age=scratch.MAX_AGE_SECONDS + 1)
    first = scratch.new_folder("denoising", tmp_path)
    second = scratch.new_folder("denoising", tmp_path)
    assert first != second and first.is_dir() and not any(first.iterdir())
    assert not old.exists()


def test_embedding_exports_land_in_the_pruned_root(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PLAYGROUND_SCRATCH_DIR", str(tmp_path))
    for _ in range(scratch.MAX_FOLDERS + 20):
        path = embedding_exports.write_csv(np.zeros((2, 2)), ["a", "b"], ["x", "y"], "label")
    assert path.parent.parent == tmp_path
    # A burst keeps its young folders (their files may not be copied yet), up to the hard cap...
    assert len(list(tmp_path.iterdir())) <= scratch.HARD_MAX_FOLDERS
    # ... and once they are older than the keep window, the count limit holds again.
    later = time.time() + scratch.MIN_KEEP_SECONDS + 1
    scratch.prune(tmp_path, now=later)
    assert len(list(tmp_path.iterdir())) <= scratch.MAX_FOLDERS


def test_a_file_just_written_survives_any_burst(tmp_path: Path) -> None:
    """A handler's file is never deleted before Gradio copied it: even far past the count
    limit, folders younger than the keep window stay (up to the hard cap)."""
    just_written = make_folder(tmp_path, "image-now", age=1)
    for n in range(10):
        make_folder(tmp_path, f"image-{n}", age=scratch.MIN_KEEP_SECONDS + 10 + n)
    scratch.prune(tmp_path, max_folders=3)
    assert just_written.exists()
    assert len(list(tmp_path.iterdir())) == 2  # the newest settled one, and the young one


def test_fifty_exports_leave_no_folder_beside_the_scratch_root(tmp_path: Path, monkeypatch) -> None:
    """Every export (handout, tokens, images, …) is written under the pruned scratch root, not
    as a loose ``playground-<tab>-*`` folder in the system's temporary folder that nothing
    removes (a day of a lecture hall would grow the disk without bound)."""
    import tempfile

    from components import exports
    from components.lessons import handlers as lessons

    monkeypatch.delenv("PLAYGROUND_SCRATCH_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for n in range(50):
        if n % 10 == 0:
            lessons.handout(0, "en")  # the lessons handout, as the page asks for it
        else:
            exports.export_dir(("tokens", "image", "text", "finetune")[n % 4])
    assert [p.name for p in tmp_path.iterdir()] == ["playground-scratch"]
    assert len(list((tmp_path / "playground-scratch").iterdir())) == 50
