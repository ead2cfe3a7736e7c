"""The in-process llama.cpp backend on the real packaged GGUF: it listens on no network port (and
its socket wants a key and allows no browser origin), streams with the model's probabilities,
agrees with the fp32 model's own distribution (computed here by hand with plain torch ops), maps
the sampler settings exactly, honours Stop and reproduces text from a seed, also under concurrency.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import httpx
import pytest
import torch

pytest.importorskip("xllamacpp")

from models.errors import InvalidInputError
from models.text.backends.base import TextRequest
from models.text.backends.gguf_source import find_gguf
from models.text.backends.llamacpp import (
    NO_ORIGIN,
    LlamaCppBackend,
    LlamaCppEngine,
    shared_engine,
)
from models.text.generation import SamplingSettings, prepare_prompt

GREEDY = SamplingSettings(temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=24,
                          repetition_penalty=1.0, seed=0)  # fmt: skip
PROMPT = "What is the capital of France? Answer in one sentence."


@pytest.fixture(scope="module")
def backend() -> LlamaCppBackend:
    gguf = find_gguf()
    return LlamaCppBackend(shared_engine(gguf.path), gguf)


@pytest.fixture(scope="module")
def lm(real_registry):
    return real_registry.load(real_registry.default("causal-lm"))


def listening_tcp_inodes() -> set[str]:
    """Inodes of the TCP sockets this process listens on (Linux /proc)."""
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            listening |= {f[9] for f in (r.split() for r in rows) if f[3] == "0A"}
    owned = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            owned.add(target[8:-1])
    return listening & owned


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_engine_listens_on_no_port_and_its_socket_wants_a_key() -> None:
    before = listening_tcp_inodes()
    engine = LlamaCppEngine(find_gguf().path, slots=1)
    try:
        assert listening_tcp_inodes() == before  # no new TCP listener, on any interface
        address = engine.listening_address
        assert address.startswith("unix://")
        socket_path = Path(address.removeprefix("unix://"))
        assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700
        transport = httpx.HTTPTransport(uds=str(socket_path))
        with httpx.Client(transport=transport, base_url="http://llama", timeout=30) as client:
            body = {"prompt": "hi", "max_tokens": 1}
            evil = {"Origin": "http://evil.example"}
            assert client.post("/v1/completions", json=body, headers=evil).status_code == 401
            assert client.get("/v1/models").status_code == 401
            for path in ("/slots", "/props", "/metrics"):
                assert client.get(path).status_code in {401, 404, 501}
            health = client.get("/health", headers=evil)
            assert health.headers.get("access-control-allow-origin") == NO_ORIGIN
            preflight = client.options(
                "/v1/completions",
                headers={**evil, "Access-Control-Request-Method": "POST"},
            )
            assert preflight.headers.get("access-control-allow-origin") not in {"*", evil["Origin"]}
            keyed = {"Authorization": f"Bearer {engine.api_key}"}
            assert client.post("/v1/completions", json=body, headers=keyed).status_code == 200
    finally:
        engine.close()


def fp32_softmax(lm, ids: list[int]) -> torch.Tensor:
    """The fp32 model's next-token probabilities at every position, by hand."""
    with torch.inference_mode():
        logits = lm.model(torch.tensor([ids])).logits[0].float()
    return torch.exp(logits - torch.logsumexp(logits, dim=-1, keepdim=True))


def test_stream_carries_the_models_own_probabilities(backend, lm) -> None:
    ids = prepare_prompt(lm, PROMPT, True, GREEDY.max_new_tokens).ids
    updates = [
        len(run.tokens)
        for run in backend.generate(TextRequest(PROMPT, GREEDY, prompt_ids=ids, alternatives=5))
    ]
    run = list(backend.generate(TextRequest(PROMPT, GREEDY, prompt_ids=ids, alternatives=5)))[-1]
    assert updates[:-1] == list(range(1, len(run.tokens) + 1))  # one update per token, then done
    assert run.phase == "done" and run.stop_reason in {"end of text", "max new tokens"}
    assert "".join(t.piece for t in run.tokens) == run.text and "Paris" in run.text
    generated = [t.token_id for t in run.tokens]
    reference = fp32_softmax(lm, ids + generated)
    for offset, token in enumerate(run.tokens):
        fp32 = reference[len(ids) + offset - 1]  # logits at i predict token i + 1
        assert token.token_id == int(torch.argmax(fp32))  # greedy: the fp32 model's top token
        assert token.probability == pytest.approx(float(fp32[token.token_id]), abs=0.03)
        assert len(token.alternatives) == 5
        assert token.alternatives[0].token_id == token.token_id
        for alt in token.alternatives:
            assert alt.probability == pytest.approx(float(fp32[alt.token_id]), abs=0.03)
    assert run.prompt_ids == ids and "before the sampler" in run.probability_source


def by_hand_sampler(logits: torch.Tensor, seen: list[int], s: SamplingSettings) -> torch.Tensor:
    """The documented rule (penalty, temperature, top-k, top-p), written independently."""
    z = logits.clone()
    for i in set(seen):
        z[i] = z[i] / s.repetition_penalty if z[i] > 0 else z[i] * s.repetition_penalty
    z = z / s.temperature
    cut = torch.sort(z, descending=True).values[s.top_k - 1]
    z[z < cut] = -torch.inf
    p = torch.exp(z - torch.logsumexp(z, 0))
    order = torch.argsort(p, descending=True)
    keep, total = [], 0.0
    for i in order.tolist():
        if total >= s.top_p:
            break
        keep.append(i)
        total += float(p[i])
    out = torch.zeros_like(p)
    out[keep] = p[keep] / p[keep].sum()
    return out


def test_next_token_maps_the_sampler_settings_exactly(backend, lm) -> None:
    settings = SamplingSettings(temperature=0.8, top_k=20, top_p=0.9, max_new_tokens=1,
                                repetition_penalty=1.3, seed=1)  # fmt: skip
    prompt = "The cat sat on the mat. The cat"
    ids = prepare_prompt(lm, prompt, False, 1).ids
    found = backend.next_token(TextRequest(prompt, settings, chat=False, prompt_ids=ids), 10)
    with torch.inference_mode():
        logits = lm.model(torch.tensor([ids])).logits[0, -1].float()
    model = torch.softmax(logits, -1)
    after = by_hand_sampler(logits, ids, settings)
    assert len(found.choices) == 10 and not found.complete
    for choice in found.choices:
        assert choice.probability == pytest.approx(float(model[choice.token_id]), abs=0.03)
        assert choice.sampler_probability == pytest.approx(float(after[choice.token_id]), abs=0.05)
    penalized = ids[-1]  # " cat" is in the prompt: the penalty pushed it down after the sampler
    assert all(c.token_id != penalized or c.sampler_probability < c.probability
               for c in found.choices)  # fmt: skip


def test_after_sampler_gives_the_kept_tokens_only(backend) -> None:
    settings = SamplingSettings(temperature=0.7, top_k=3, top_p=1.0, max_new_tokens=6, seed=4)
    request = TextRequest("Tell me about cats.", settings, after_sampler=True, alternatives=10)
    run = list(backend.generate(request))[-1]
    assert run.tokens and "after the sampler" in run.probability_source
    for token in run.tokens:
        assert token.probability is None and 0 < token.sampler_probability <= 1
        assert 1 <= len(token.alternatives) <= 3  # top-k 3: nothing else can be drawn
        assert sum(a.sampler_probability for a in token.alternatives) == pytest.approx(1, abs=1e-3)


def test_same_seed_same_text_even_with_other_users_decoding(backend) -> None:
    settings = SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=32, seed=11)
    prompts = ["Write a poem about rain.", "List three fruits.", "Explain gravity."]
    alone = {p: list(backend.generate(TextRequest(p, settings)))[-1].text for p in prompts}
    together: dict[str, str] = {}

    def write(prompt: str) -> None:
        together[prompt] = list(backend.generate(TextRequest(prompt, settings)))[-1].text

    threads = [threading.Thread(target=write, args=(p,)) for p in prompts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert together == alone
    other = SamplingSettings(**{**settings.__dict__, "seed": 12})
    assert list(backend.generate(TextRequest(prompts[0], other)))[-1].text != alone[prompts[0]]


def test_stop_ends_before_the_next_token(backend) -> None:
    stop = threading.Event()
    settings = SamplingSettings(temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=300, seed=0)
    runs = []
    for run in backend.generate(TextRequest("Once upon a time", settings, chat=False), stop):
        runs.append(len(run.tokens))
        if len(run.tokens) == 3:
            stop.set()
    assert runs[-1] == 3 and run.stop_reason == "stopped" and run.phase == "done"


def test_end_token_is_not_listed_and_bad_input_says_what_to_do(backend) -> None:
    run = list(backend.generate(TextRequest("What is the capital of France?", GREEDY,
                                            chat=False)))[-1]  # fmt: skip
    assert run.stop_reason == "end of text" and run.text == "" and run.tokens == []
    with pytest.raises(InvalidInputError, match="empty"):
        list(backend.generate(TextRequest("  ", GREEDY)))
    with pytest.raises(InvalidInputError, match="serves HuggingFaceTB/SmolLM2-135M-Instruct only"):
        list(backend.generate(TextRequest("hi", GREEDY, model="some/other-model")))
