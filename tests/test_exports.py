"""Exports without a browser: every tab's files hold what the tab shows, in a fresh folder per
export, and asking for an export before there is anything says what to do first."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from components import exports
from components.embeddings.handlers import MapState, export_files
from components.finetune.exports import export_run
from components.image.handlers import export_image
from components.text.exports import export_text, token_page, token_picture
from models.embeddings.projection import Projection, ProjectionSettings
from models.errors import InvalidInputError
from models.scratch import scratch_root

RECORDS = [
    {"piece": "The", "token": "The", "probability": 0.95, "sampler_probability": 1.0,
     "alternatives": [["The", 0.95, 1.0], ["A", 0.03, 0.0]]},
    {"piece": " <b>cat</b>\n", "token": "␣<b>cat</b>", "probability": 0.04,
     "sampler_probability": 0.05, "alternatives": [["␣dog", 0.5, 0.6]]},
    {"piece": " sat", "token": "␣sat", "probability": 0.6, "sampler_probability": 0.7,
     "alternatives": []},
]  # fmt: skip


def test_each_export_gets_its_own_folder() -> None:
    first, second = exports.export_dir("text"), exports.export_dir("text")
    assert first != second and first.is_dir() and first.name.startswith("text-")
    assert first.parent == scratch_root()  # pruned with every other export (models/scratch.py)


def test_a_plot_component_value_becomes_its_figure_again() -> None:
    figure = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout={"title": {"text": "loss"}})
    value = gr.Plot().postprocess(figure)
    again = exports.figure_from_plot(value)
    assert list(again.data[0].y) == [3, 4] and again.layout.title.text == "loss"
    assert exports.figure_from_plot(None) is None


def test_text_export_has_picture_page_table_and_data(tmp_path: Path) -> None:
    paths = export_text(RECORDS, "Tell me", {"temperature": 0.7}, "seed **3**", tmp_path)
    assert [Path(p).suffix for p in paths] == [".png", ".html", ".csv", ".json"]
    picture = Image.open(paths[0])
    assert picture.width == 1600
    # The first token's background is the "≥ 90%" green.
    colours = {colour for _, colour in picture.convert("RGB").getcolors(1_000_000)}
    assert (0x1A, 0x98, 0x50) in colours and (0xD7, 0x30, 0x27) in colours
    page = Path(paths[1]).read_text(encoding="utf-8")
    assert "&lt;b&gt;cat&lt;/b&gt;" in page and "<b>cat" not in page  # a token is text, not markup
    rows = list(csv.DictReader(Path(paths[2]).read_text(encoding="utf-8").splitlines()))
    assert [r["token"] for r in rows] == ["The", "␣<b>cat</b>", "␣sat"]
    assert rows[1]["top_alternatives"] == "␣dog 0.5"
    data = json.loads(Path(paths[3]).read_text(encoding="utf-8"))
    assert data["text"] == "The <b>cat</b>\n sat" and data["settings"] == {"temperature": 0.7}
    with pytest.raises(InvalidInputError, match="generate some text first"):
        export_text([], "x", {})


def test_token_picture_wraps_long_text() -> None:
    many = [dict(RECORDS[2], piece=" word") for _ in range(400)]
    assert token_picture(many, "t").height > token_picture(many[:10], "t").height + 300
    assert "title=" in token_page(many[:2], "t")


def test_image_export_has_the_grid_and_how_it_was_made() -> None:
    grid = Image.new("RGB", (256, 128), "green")
    png, data = export_image(grid, {"prompt": "a green cat", "seed": 3}, "4 images")
    assert Image.open(png).size == (256, 128) and Path(png).name == "a-green-cat.png"
    settings = json.loads(Path(data).read_text(encoding="utf-8"))
    assert settings["seed"] == 3 and settings["summary"] == "4 images"
    with pytest.raises(InvalidInputError, match="press Generate first"):
        export_image(None, {})


def test_embedding_export_has_the_page_and_every_point() -> None:
    coords = np.array([[0.0, 1.0], [2.0, 3.5]], dtype=np.float32)
    projection = Projection(coords, "PCA", ProjectionSettings(method="PCA"), 0.01)
    state = MapState("m", ["a b", "c"], ["x", "y"], "label", np.ones((2, 3)), projection)
    page, data = export_files(state)
    assert "plotly" in Path(page).read_text(encoding="utf-8")
    points = json.loads(Path(data).read_text(encoding="utf-8"))
    assert points["method"] == "PCA" and points["params"]["dimensions"] == 2
    assert points["points"][1] == {"x": 2.0, "y": 3.5, "label": "y", "text": "c"}
    with pytest.raises(InvalidInputError, match="no map to export"):
        export_files(MapState())


def test_finetune_export_has_the_curve_comparison_and_report() -> None:
    config = {"r": 8, "target_modules": ["q"]}
    adapter = SimpleNamespace(
        losses=[2.5, 1.5], steps=2, seconds=3.2, stopped="", base_model="lm", config=config
    )
    session = SimpleNamespace(adapter=adapter, source="Haiku", loss_before=2.0, loss_after=1.0)
    table = {"data": [["Moon?", "It is a rock.", "silver\nlight", "pale moon"]]}
    page, comparison, report = export_run(session, table)
    assert "plotly" in Path(page).read_text(encoding="utf-8")
    rows = list(csv.reader(Path(comparison).read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["prompt", "base_model", "fine_tuned", "expected"] and len(rows) >= 2
    data = json.loads(Path(report).read_text(encoding="utf-8"))
    assert data["training_loss"] == [2.5, 1.5] and data["lora"] == {"r": 8}
    assert data["held_out"]["perplexity_after"] == pytest.approx(np.e)
    assert data["comparison"][0]["fine_tuned"] == "silver\nlight"
    with pytest.raises(InvalidInputError, match="fine-tune a model first"):
        export_run(SimpleNamespace(adapter=None), None)


def test_models_export_has_the_table() -> None:
    from components.models_panel import COLUMNS, export_table
    from tests.test_app import fake_registry

    table, data = export_table(fake_registry())
    rows = list(csv.reader(Path(table).read_text(encoding="utf-8").splitlines()))
    assert rows[0] == COLUMNS and [r[0] for r in rows[1:]] == ["fake-lm", "fake-enc"]
    models = json.loads(Path(data).read_text(encoding="utf-8"))
    assert models[1]["Kind"] == "sentence-embedder" and models[0]["State"] == "not loaded"


def test_finetune_export_shows_an_uploaded_file_name_as_text() -> None:
    """Issue "Hold under hostile input" 1: the loss page's title quotes the data set's file name;
    plotly draws its title's tags, so the name is escaped (plotly shows the entities as text)."""
    adapter = SimpleNamespace(
        losses=[2.5, 1.5], steps=2, seconds=3.2, stopped="", base_model="lm", config={"r": 8}
    )
    name = "<img src=x onerror=alert(1)>.csv"
    session = SimpleNamespace(adapter=adapter, source=name, loss_before=2.0, loss_after=1.0)
    page, _, report = export_run(session, {"data": []})
    text = Path(page).read_text(encoding="utf-8")
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;.csv" in text
    assert json.loads(Path(report).read_text(encoding="utf-8"))["data"] == name  # data: as is
