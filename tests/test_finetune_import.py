"""Bringing back an adapter zip: the loaded adapter answers exactly as the session that exported
it did (comparisons, sampling with a seed, the Text tab's tuned generation, the drift view,
export again), and every unsafe or unusable zip is refused with a sentence."""

from __future__ import annotations

import json
import re
import struct
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from models.errors import InvalidInputError
from models.finetune.adapter_import import MAX_WEIGHTS_BYTES, load_adapter
from models.finetune.compare import CompareSettings, compare
from models.finetune.data import Example
from models.finetune.drift import measure_drift
from models.finetune.export import zip_adapter
from models.finetune.settings import TrainSettings
from models.finetune.training import bench_for
from models.finetune.tuned_generation import generate_tuned
from models.registry import LoadedModel, ModelSpec, Registry
from models.sources import ModelSource
from models.text.causal_lm import CausalLM
from models.text.generation import SamplingSettings
from tests.tiny_models import save_tiny_causal_lm

EXAMPLES = [
    Example("the cat", "sat on the mat"),
    Example("a dog", "ran in the park"),
    Example("hello", "world"),
    Example("the dog", "sat on a mat"),
] * 4
HELD_OUT = [Example("the cat", "ran in the park"), Example("hello", "the world")]
SETTINGS = TrainSettings(
    epochs=5, learning_rate=1e-2, max_seq_len=16, batch_size=4, lora_layers=2, eval_every=4
)
PROMPTS = ["the cat", "a dog", "hello"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = save_tiny_causal_lm(tmp_path_factory.mktemp("tiny") / "lm", seed=7)

    def load(source: ModelSource) -> LoadedModel:
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
        lm = CausalLM(model, AutoTokenizer.from_pretrained(folder), "tiny-import")
        return LoadedModel(lm, 1, "cpu", "float32")

    registry = Registry()
    source = ModelSource("local", "x")
    registry.register(ModelSpec("tiny-import", "causal-lm", lambda: source, load))
    return registry


@pytest.fixture(scope="module")
def exported(registry: Registry):
    """A session's adapter and the zip it downloaded."""
    bench = bench_for(registry.load("tiny-import", kind="causal-lm"))
    adapter = bench.train(EXAMPLES, SETTINGS, held_out=HELD_OUT)
    adapter.base_model = "tiny-import"  # the registry's name, as the handler sets it
    return adapter, zip_adapter(bench, adapter)


def files_of(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as handle:
        return {info.filename: handle.read(info) for info in handle.infolist()}


def write_zip(path: Path, files: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as handle:
        for name, data in files.items():
            handle.writestr(name, data)
    return path


def test_a_loaded_adapter_answers_as_the_exporting_session(registry: Registry, exported) -> None:
    adapter, archive = exported
    loaded = load_adapter(registry, archive)
    bench = bench_for(registry.load("tiny-import", kind="causal-lm"))
    assert loaded.base_model == "tiny-import" and loaded.config == adapter.config
    assert loaded.state_dict.keys() == adapter.state_dict.keys()
    for key, tensor in adapter.state_dict.items():
        assert torch.equal(loaded.state_dict[key], tensor), key
    assert (loaded.steps, loaded.kept_step, loaded.stopped) == (
        adapter.steps,
        adapter.kept_step,
        adapter.stopped,
    )
    assert loaded.losses == adapter.losses and loaded.held_out == adapter.held_out
    for settings in (CompareSettings(8), CompareSettings(8, temperature=1.2, top_p=1.0, seed=5)):
        assert compare(bench, loaded, PROMPTS, settings) == compare(
            bench, adapter, PROMPTS, settings
        )
    lm = registry.load("tiny-import", kind="causal-lm")
    sampling = SamplingSettings(temperature=0.9, max_new_tokens=6, seed=3)

    def text(which) -> str:
        runs = [u.run for u in generate_tuned(lm, which, "the cat", sampling, chat=False) if u.run]
        assert runs and runs[-1].tokens
        return runs[-1].text

    assert text(loaded) == text(adapter)
    first, second = measure_drift(bench, adapter, HELD_OUT), measure_drift(bench, loaded, HELD_OUT)
    assert torch.allclose(torch.tensor(first.similarity), torch.tensor(second.similarity))
    again = load_adapter(registry, zip_adapter(bench, loaded))  # export what was loaded
    assert all(torch.equal(again.state_dict[k], t) for k, t in adapter.state_dict.items())


def test_a_zip_with_files_at_the_top_and_no_history_loads(registry: Registry, exported, tmp_path):
    _, archive = exported
    files = {name.split("/")[-1]: data for name, data in files_of(archive).items()}
    del files["training.json"]
    loaded = load_adapter(registry, write_zip(tmp_path / "flat.zip", files))
    assert loaded.losses == [] and loaded.notes == ["Loaded from flat.zip."]


def refusal(registry: Registry, path: Path) -> str:
    with pytest.raises(InvalidInputError) as caught:
        load_adapter(registry, path)
    message = str(caught.value)
    assert message[0].isupper() and message.endswith("."), message  # a sentence, no traceback
    assert "Traceback" not in message and len(message) < 400
    return message


def edited(exported, tmp_path: Path, name: str, **changes) -> Path:
    """The exported zip with some members replaced (None removes one)."""
    files = files_of(exported[1])
    for member, data in changes.items():
        key = f"lora-adapter/{member.replace('__', '.')}"
        if data is None:
            files.pop(key)
        else:
            files[key] = data
    return write_zip(tmp_path / name, files)


def config_with(exported, **values) -> str:
    config = json.loads(files_of(exported[1])["lora-adapter/adapter_config.json"])
    return json.dumps({**config, **values})


@pytest.mark.parametrize(
    ("members", "pattern"),
    [
        ({"../adapter_config.json": "{}"}, "unsafe path"),
        ({"/etc/adapter_config.json": "{}"}, "unsafe path"),
        ({"a\\adapter_config.json": "{}"}, "unsafe path"),
        ({"a/b/adapter_config.json": "{}"}, "unsafe path"),
        ({"C:/adapter_config.json": "{}"}, "unsafe path"),
        ({"adapter_model.bin": b"\x80\x04pickle"}, "pickle-based file"),
        ({"adapter_config.json": "{}", "model.pt": b"x"}, "pickle-based file"),
        ({"adapter_config.json": "{}", "run.py": "import os"}, "may only hold"),
        ({"adapter_config.json": "{}"}, "has no adapter_model.safetensors"),
        ({"a/adapter_config.json": "{}", "b/adapter_model.safetensors": b""}, "several folders"),
    ],
)
def test_unsafe_or_foreign_members_are_refused(
    registry: Registry, tmp_path: Path, members: dict, pattern: str
) -> None:
    assert re.search(pattern, refusal(registry, write_zip(tmp_path / "bad.zip", members)))


def test_links_duplicates_and_non_zips_are_refused(registry: Registry, tmp_path: Path) -> None:
    link = zipfile.ZipInfo("adapter_config.json")
    link.external_attr = 0o120777 << 16  # a symlink entry
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as handle:
        handle.writestr(link, "/etc/passwd")
    assert "link" in refusal(registry, tmp_path / "link.zip")
    with zipfile.ZipFile(tmp_path / "twice.zip", "w") as handle:
        handle.writestr("adapter_config.json", "{}")
        with pytest.warns(UserWarning, match="Duplicate name"):
            handle.writestr("adapter_config.json", "{}")
    assert "twice" in refusal(registry, tmp_path / "twice.zip")
    (tmp_path / "text.zip").write_text("not a zip at all")
    assert "not a zip archive" in refusal(registry, tmp_path / "text.zip")
    assert "No adapter file" in refusal(registry, tmp_path / "missing.zip")
    many = {f"README{i}.md": "" for i in range(12)}
    assert "lists 12 entries" in refusal(registry, write_zip(tmp_path / "many.zip", many))
    crowded = {f"x{i}": "" for i in range(20_000)}  # refused from its end record alone
    assert "lists 20000 entries" in refusal(registry, write_zip(tmp_path / "crowd.zip", crowded))


def test_a_zip_bomb_stops_at_the_cap(registry: Registry, exported, tmp_path: Path) -> None:
    bomb = bytes(MAX_WEIGHTS_BYTES + 10_000_000)  # compresses to about 70 KB
    path = edited(exported, tmp_path, "bomb.zip", adapter_model__safetensors=bomb)
    assert path.stat().st_size < 1_000_000
    assert "unpacks to 74.0 MB; the limit is 64.0 MB" in refusal(registry, path)


def test_the_zip_size_is_capped(registry: Registry, exported, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("models.finetune.adapter_import.MAX_ZIP_BYTES", 1000)
    assert "may be at most" in refusal(registry, exported[1])


@pytest.mark.parametrize(
    ("values", "pattern"),
    [
        (
            {"base_model_name_or_path": "meta-llama/Llama-3-8B"},
            "this server does not have.*tiny-import",
        ),
        ({"peft_type": "PREFIX_TUNING"}, "loads LoRA adapters"),
        ({"task_type": "SEQ_CLS"}, "causal language models"),
        ({"use_dora": True}, "plain LoRA only"),
        ({"modules_to_save": ["lm_head"]}, "plain LoRA only"),
        ({"target_modules": "all-linear"}, "targets all-linear"),
        ({"target_modules": ["embed_tokens"]}, "targets"),
        ({"r": 0}, "values LoRA cannot use"),
        ({"r": 4}, "do not fit tiny-import: .* of the wrong shape"),
        ({"layers_to_transform": [0]}, "do not fit tiny-import: 0 missing, \\d+ unexpected"),
        ({"layers_to_transform": [7]}, "(does|do) not fit tiny-import"),
    ],
)
def test_unusable_configs_are_refused(
    registry: Registry, exported, tmp_path: Path, values: dict, pattern: str
) -> None:
    path = edited(
        exported, tmp_path, "config.zip", adapter_config__json=config_with(exported, **values)
    )
    assert re.search(pattern, refusal(registry, path))


def test_unusable_weights_are_refused(registry: Registry, exported, tmp_path: Path) -> None:
    from safetensors.torch import save

    adapter = exported[0]
    cases = {
        "garbage": (b"\x00" * 64, "not a readable safetensors file"),
        "base": (save({"model.embed_tokens.weight": torch.zeros(16, 32)}), "not a LoRA matrix"),
        "nan": (
            save({k: torch.full_like(v, float("nan")) for k, v in adapter.state_dict.items()}),
            "NaN or infinite",
        ),
        "ints": (
            save({k: v.to(torch.int32) for k, v in adapter.state_dict.items()}),
            "not floats",
        ),
        "missing": (
            save(dict(list(adapter.state_dict.items())[1:])),
            "do not fit tiny-import: 1 missing, 0 unexpected",
        ),
        "empty": (save({}), "holds no weights"),
    }
    for name, (data, pattern) in cases.items():
        path = edited(exported, tmp_path, f"{name}.zip", adapter_model__safetensors=data)
        assert re.search(pattern, refusal(registry, path)), name
    broken = edited(exported, tmp_path, "notjson.zip", adapter_config__json="{not json")
    assert "not valid JSON" in refusal(registry, broken)


def test_an_unreadable_history_costs_only_the_history(registry: Registry, exported, tmp_path):
    path = edited(exported, tmp_path, "history.zip", training__json='{"losses": ["x"]}')
    loaded = load_adapter(registry, path)
    assert loaded.losses == [] and "training.json was unreadable" in loaded.notes[-1]
    reference = replace(exported[0], notes=[])
    assert all(torch.equal(loaded.state_dict[k], v) for k, v in reference.state_dict.items())


def empty_tensors(count: int, key: str) -> bytes:
    """A safetensors file whose header lists ``count`` empty float tensors (no data at all)."""
    entry = {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}
    header = {key.format(i=i): entry for i in range(count)}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw


@pytest.mark.parametrize(
    ("count", "key", "pattern"),
    [
        (  # the report: a 42 MB header took 15-48 s to refuse and held the fine-tuning queue
            500_000,
            "base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight",
            r"a header of \d{2},\d{3},\d{3} bytes; .* at most \d{1,2},\d{3} bytes",
        ),
        (100, "{i}.lora_A.weight", r"lists 100 tensors; .* has at most 36"),  # small, many
    ],
)
def test_a_header_built_to_be_slow_is_refused_at_once(
    registry: Registry, exported, tmp_path: Path, count: int, key: str, pattern: str
) -> None:
    """Issue "Hold under hostile input" 2: the weights' header is sized against what a LoRA
    adapter for the base model holds (here 2 matrices x 7 modules x 2 layers = 28 tensors)
    before anything parses it."""
    weights = empty_tensors(count, key)
    path = edited(exported, tmp_path, "slow.zip", adapter_model__safetensors=weights)
    assert path.stat().st_size < 3_000_000
    started = time.perf_counter()
    message = refusal(registry, path)
    assert time.perf_counter() - started < 1.5, message
    assert re.search(pattern, message), message
    assert "upload the lora-adapter.zip" in message
