"""The Embeddings tab's export files: the map's points as CSV and JSON, the map as a web page.

Each export gets a fresh scratch folder, pruned by age and count (models/scratch.py), so two users
never share a file and a day of use cannot fill the disk.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from models.scratch import new_folder


def _export_path(filename: str) -> Path:
    return new_folder("embeddings") / filename  # pruned by age and count (models/scratch.py)


def write_csv(coords: np.ndarray, texts: list[str], labels: list[str], label_kind: str) -> Path:
    """Coordinates, label and sentence per point; opens in any spreadsheet."""
    path = _export_path("embedding-map.csv")
    axes = ["x", "y", "z"][: coords.shape[1]]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*axes, label_kind, "text"])
        for point, label, text in zip(coords, labels, texts, strict=True):
            writer.writerow([*(f"{value:.5f}" for value in point), label, text])
    return path


def write_html(figure: go.Figure) -> Path:
    """A self-contained page (plotly.js inside), so it opens offline and in a slide deck."""
    path = _export_path("embedding-map.html")
    figure.write_html(path, include_plotlyjs=True, full_html=True)
    return path


def write_json(
    coords: np.ndarray, texts: list[str], labels: list[str], label_kind: str, about: dict
) -> Path:
    """The map as data: how it was made (``about``) and every point with its sentence."""
    path = _export_path("embedding-map.json")
    axes = "xyz"[: coords.shape[1]]
    points = [
        {**{a: round(float(v), 5) for a, v in zip(axes, point, strict=True)}, label_kind: label,
         "text": text}
        for point, label, text in zip(coords, labels, texts, strict=True)
    ]  # fmt: skip
    path.write_text(json.dumps({**about, "points": points}, ensure_ascii=False, indent=1))
    return path
