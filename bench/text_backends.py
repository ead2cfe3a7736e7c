"""Text backends: the in-process llama.cpp backend vs a bare xllamacpp loop and vs the exact fp32
loop, first-token time, and greedy agreement with the fp32 model. All figures from one run.

(The int8 loop this compared against until 2026-12-02 is gone: llama.cpp beat it 1.8x in the hall
bench; single stream it went 1.27x one way on a quiet box and 0.87x the other way under load.)

Run: ``.venv/bin/python bench/text_backends.py`` (offline, packaged GGUF and fp32 cache).
- speed: one stream, 128 new tokens (greedy, end token ignored so every run writes 128), a
  40-token prompt, a fresh prompt per run (no prompt-cache hits). Ours is
  ``LlamaCppBackend.generate`` as the Text tab calls it (10 alternatives per token); the bare
  loop is ``xllamacpp.Server`` with its defaults on the same GGUF and threads, streaming into a
  callback that does nothing, once as it is and once asked for the same 10 probabilities per
  token (so the ratio isolates what our wrapper adds); the exact path is
  models/text/generation.py ``generate`` (the fp32 decode loop). They alternate, best of
  ``REPEATS`` each, so all see the same machine load.
  Goals: ours >= 0.95x bare, first token <= 0.1 s (median of 5).
- agreement: greedy (temperature 0, no penalty), 64 new tokens, the Text tab's three demo
  prompts in chat mode: how many leading tokens equal the fp32 model's own greedy tokens, for
  llama.cpp. Goal: >= 40 tokens (or the whole answer) on >= 2 of 3.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import xllamacpp

from models.builtin import default_registry
from models.text.backends.base import TextRequest
from models.text.backends.gguf_source import find_gguf
from models.text.backends.llamacpp import LlamaCppBackend, LlamaCppEngine
from models.text.decode_loop import DecodeLoop
from models.text.generation import SamplingSettings, generate, prepare_prompt

NEW_TOKENS = 128
PROMPT_TOKENS = 40
REPEATS = 3
THREADS = os.cpu_count() or 1
TEXT = (
    "The printing press was invented in the Holy Roman Empire by Johannes Gutenberg around 1440. "
    "Working as a goldsmith, he developed a system of movable metal type that could be arranged, "
    "inked and pressed onto paper, and then rearranged for the next page. Before his invention, "
    "books in Europe were copied by hand, usually by monks, and a single Bible could take years "
    "to finish. The new method made it possible to produce hundreds of identical copies."
)
AGREEMENT_PROMPTS = (  # the Text tab's demo prompts (components/demo_presets.py)
    "What is the capital of France? Answer in one sentence.",
    "Write the opening sentence of a fairy tale about a lonely robot.",
    "Explain in two sentences why the sky is blue.",
)
AGREEMENT_TOKENS = 64
GOAL_TOKENS = 40


def prompt_ids(lm, run: int) -> list[int]:
    """A 40-token prompt, different for every run (shifted window), so no run hits a cache."""
    ids = lm.tokenizer(TEXT)["input_ids"]
    return ids[run : run + PROMPT_TOKENS]


def ours_rate(backend: LlamaCppBackend, ids: list[int]) -> tuple[float, float]:
    """(tokens/s, first-token seconds) of the Text tab's llama.cpp path (``backend`` is made
    with ``ignore_eos``, a bench-only field, so that every run writes exactly 128 tokens)."""
    settings = SamplingSettings(0.0, 0, 1.0, NEW_TOKENS, 1.0, 0)
    request = TextRequest("", settings, chat=False, prompt_ids=ids)
    run = list(backend.generate(request))[-1]
    assert len(run.tokens) == NEW_TOKENS, len(run.tokens)
    return len(run.tokens) / run.seconds, run.first_token_seconds


def bare_rate(server, ids: list[int], n_probs: int = 0) -> float:
    body = {"prompt": ids, "max_tokens": NEW_TOKENS, "temperature": 0.0, "ignore_eos": True}
    body.update(stream=True, n_probs=n_probs)
    count = 0

    def on_chunk(chunk) -> bool:
        nonlocal count
        count += bool((chunk.get("choices") or [{}])[0].get("text"))
        return False

    started = time.perf_counter()
    server.handle_completions(body, on_chunk)
    seconds = time.perf_counter() - started
    return NEW_TOKENS / seconds


def fp32_rate(lm, ids: list[int]) -> float:
    settings = SamplingSettings(0.0, 0, 1.0, NEW_TOKENS, 1.0, 0)
    run = list(generate(lm, lm.tokenizer.decode(ids), settings, chat=False))[-1]
    return len(run.tokens) / run.seconds


def bare_server(path: Path):
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = 2048
    params.cpuparams.n_threads = THREADS
    params.cpuparams_batch.n_threads = THREADS
    params.verbosity = -1
    return xllamacpp.Server(params)


def agreement(lm, backend: LlamaCppBackend) -> tuple[list[str], int]:
    greedy = SamplingSettings(0.0, 0, 1.0, AGREEMENT_TOKENS, 1.0, 0)
    lines, ok_llama = [], 0
    for prompt in AGREEMENT_PROMPTS:
        ids = prepare_prompt(lm, prompt, True, AGREEMENT_TOKENS).ids
        ref = [t.token_id for t in list(generate(lm, prompt, greedy))[-1].tokens]
        request = TextRequest(prompt, greedy, prompt_ids=ids)
        llama = [t.token_id for t in list(backend.generate(request))[-1].tokens]
        a = common_prefix(ref, llama)
        ok_llama += a >= min(GOAL_TOKENS, len(ref)) and (a >= GOAL_TOKENS or llama == ref)
        lines.append(f"  {prompt[:48]!r}: fp32 wrote {len(ref)} tokens; llama.cpp equal for {a}")
    return lines, ok_llama


def common_prefix(a: list[int], b: list[int]) -> int:
    pairs = enumerate(zip(a, b, strict=False))
    return next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))


def main() -> None:
    registry = default_registry({})
    lm = registry.load(registry.default("causal-lm"))
    gguf = find_gguf()
    DecodeLoop.for_model(lm.model)  # built once per server
    engine = LlamaCppEngine(gguf.path, slots=1, threads=THREADS)
    backend = LlamaCppBackend(engine, gguf)
    timed = LlamaCppBackend(engine, gguf, extra={"ignore_eos": True})
    bare = bare_server(gguf.path)
    print(f"CPU cores: {os.cpu_count()}, llama.cpp threads: {THREADS}, GGUF {gguf.path.name}")
    ours, base, same, old, wins = [], [], [], [], 0
    for run in range(REPEATS):
        ours.append(ours_rate(timed, prompt_ids(lm, 4 * run))[0])
        base.append(bare_rate(bare, prompt_ids(lm, 4 * run + 1)))
        same.append(bare_rate(bare, prompt_ids(lm, 4 * run + 2), n_probs=10))
        old.append(fp32_rate(lm, prompt_ids(lm, 4 * run + 3)))
        wins += old[-1] > ours[-1]
    firsts = [ours_rate(timed, prompt_ids(lm, 20 + i))[1] for i in range(5)]
    best, best_base, best_same, best_old = max(ours), max(base), max(same), max(old)
    print(f"ours (llama.cpp backend, Text tab path, 10 alternatives/token): {best:.1f} tok/s")
    print(f"bare xllamacpp loop, same GGUF, no probabilities: {best_base:.1f} tok/s")
    print(f"bare xllamacpp loop, same GGUF, n_probs=10 (the same work): {best_same:.1f} tok/s")
    print(f"exact fp32 loop (models/text/decode_loop.py): {best_old:.1f} tok/s")
    print(f"ours vs bare llama.cpp with the same request: {best / best_same:.2f}x (goal >= 0.95x)")
    print(f"ours vs bare llama.cpp without probabilities: {best / best_base:.2f}x")
    print(f"ours vs the exact fp32 loop: {best / best_old:.2f}x")
    print(f"the fp32 loop faster than llama.cpp in {wins} of {REPEATS} paired runs")
    print(
        f"first token, {PROMPT_TOKENS}-token prompt: median {statistics.median(firsts):.3f} s "
        "(goal <= 0.1 s)"
    )
    lines, ok_llama = agreement(lm, backend)
    print(f"greedy agreement with fp32, {AGREEMENT_TOKENS} new tokens, chat mode:")
    print("\n".join(lines))
    print(
        f"llama.cpp equal to fp32 for >= {GOAL_TOKENS} tokens (or the whole answer) on "
        f"{ok_llama} of 3 prompts (goal >= 2)"
    )
    backend.close()


if __name__ == "__main__":
    main()
