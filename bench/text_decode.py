"""Text tab decode speed and quality: our fast path vs plain fp32 transformers ``generate``.

Run: ``.venv/bin/python bench/text_decode.py`` (offline, default model). In one run, on the same
40-token prompt, 128 new tokens, greedy:
- baseline: ``model.generate`` in fp32, with torch's default thread count and with 1 thread
  (our loop uses 1 thread, so the faster baseline is the one we compare against); the 1-thread
  baseline and ours alternate, best of 3 each, so both see the same machine load;
- ours: ``models.text.generation.generate`` (int8 fast path, the Text tab's code);
- first-token latency of ours for the 40-token prompt (median of 5);
- perplexity of the fast path vs the fp32 model on a fixed text (first half as a bf16 prompt
  pass, the rest teacher-forced token by token in int8, as generation runs), and the largest
  difference between their probabilities;
- llama.cpp through llama-cpp-python on the packaged Q4_1 GGUF, when that optional extra is there.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from models.builtin import SMOLLM2_GGUF, default_registry
from models.text.fast_decode import FastDecoder, intra_op_threads
from models.text.generation import SamplingSettings, generate

NEW_TOKENS = 128
PROMPT_TOKENS = 40
REPEATS = 2
TEXT = (
    "The printing press was invented in the Holy Roman Empire by Johannes Gutenberg around 1440. "
    "Working as a goldsmith, he developed a system of movable metal type that could be arranged, "
    "inked and pressed onto paper, and then rearranged for the next page. Before his invention, "
    "books in Europe were copied by hand, usually by monks, and a single Bible could take years "
    "to finish. The new method made it possible to produce hundreds of identical copies in the "
    "time a scribe needed for one. Within fifty years, presses operated in more than two hundred "
    "cities, and millions of books had been printed. Cheaper books spread literacy, helped the "
    "Reformation carry its arguments across borders, and allowed scientists to share precise "
    "diagrams and tables without the errors that crept in with every handwritten copy. Historians "
    "often describe the press as one of the most important inventions of the second millennium, "
    "because it changed how knowledge was stored, checked and passed from one generation to the "
    "next."
)


def best_of(fn, repeats: int = REPEATS) -> float:
    return min(fn() for _ in range(repeats))


def baseline_seconds(model, prompt_ids: list[int], threads: int, repeats: int) -> float:
    ids = torch.tensor([prompt_ids])

    def run() -> float:
        with intra_op_threads(threads), torch.inference_mode():
            started = time.perf_counter()
            model.generate(
                ids, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False
            )
            return time.perf_counter() - started

    return best_of(run, repeats)


def ours(lm, prompt: str, repeats: int) -> tuple[float, int, float]:
    greedy = SamplingSettings(0.0, 0, 1.0, NEW_TOKENS, 1.0, 0)
    runs = [list(generate(lm, prompt, greedy, chat=False))[-1] for _ in range(repeats)]
    best = min(runs, key=lambda r: r.seconds / max(1, len(r.tokens)))
    return best.seconds, len(best.tokens), best.first_token_seconds


def perplexities(lm) -> tuple[float, float, float]:
    ids = lm.tokenizer(TEXT)["input_ids"]
    targets = torch.tensor(ids[1:])
    with torch.inference_mode():
        reference = lm.model(torch.tensor([ids])).logits[0, :-1].float()
    decoder = FastDecoder.for_model(lm.model, lm.tokenizer, quantize=True).new_sequence(len(ids))
    # As in generation: the first half is the prompt (one bf16 pass), the rest is decoded
    # token by token (int8), attending to the prompt's keys and values.
    half = len(ids) // 2
    prompt_logits = decoder.start(ids[:half], all_logits=True)
    decoded = [decoder.step(t)[0] for t in ids[half:-1]]
    fast_logits = torch.cat([prompt_logits, torch.stack(decoded)])

    def perplexity(logits: torch.Tensor) -> float:
        return float(torch.nn.functional.cross_entropy(logits, targets).exp())

    difference = (torch.softmax(fast_logits, -1) - torch.softmax(reference, -1)).abs().max()
    return perplexity(reference), perplexity(fast_logits), float(difference)


def llama_cpp_tokens_per_second(registry, prompt: str) -> str:
    try:
        from llama_cpp import Llama
    except ImportError:
        return "llama-cpp-python is not installed (optional extra): ≥ 0.5× llama.cpp not measured"
    source = registry.spec(registry.default("causal-lm")).resolve_source()
    path = Path(source.location) / SMOLLM2_GGUF
    llm = Llama(model_path=str(path), n_ctx=512, n_threads=os.cpu_count(), verbose=False)
    started = time.perf_counter()
    out = llm(prompt, max_tokens=NEW_TOKENS, temperature=0.0)
    count = out["usage"]["completion_tokens"]
    return f"{count / (time.perf_counter() - started):.1f} tok/s ({count} tokens)"


def main() -> None:
    registry = default_registry({})
    lm = registry.load(registry.default("causal-lm"))
    prompt_ids = lm.tokenizer(TEXT)["input_ids"][:PROMPT_TOKENS]
    prompt = lm.tokenizer.decode(prompt_ids)
    started = time.perf_counter()
    FastDecoder.for_model(lm.model, lm.tokenizer, quantize=True)
    print(f"fast decoder built in {time.perf_counter() - started:.1f} s (once per server)")
    default_threads = torch.get_num_threads()
    print(f"CPU cores: {os.cpu_count()}, torch default threads: {default_threads}")

    # Alternate baseline and ours, best of each: on a shared, noisy CPU both see the same load.
    base_one = seconds = float("inf")
    count = NEW_TOKENS
    for _ in range(REPEATS + 1):
        base_one = min(base_one, baseline_seconds(lm.model, prompt_ids, 1, repeats=1))
        run_seconds, run_count, _ = ours(lm, prompt, repeats=1)
        if run_seconds / run_count < seconds / count:
            seconds, count = run_seconds, run_count
    base_default = baseline_seconds(lm.model, prompt_ids, default_threads, repeats=1)
    first_tokens = [ours_first_token(lm, prompt) for _ in range(5)]

    base_default_rate = NEW_TOKENS / base_default
    base_one_rate = NEW_TOKENS / base_one
    baseline_rate = max(base_default_rate, base_one_rate)
    rate = count / seconds
    print(f"baseline fp32 generate, {default_threads} threads: {base_default_rate:.1f} tok/s")
    print(f"baseline fp32 generate, 1 thread: {base_one_rate:.1f} tok/s")
    print(f"ours (int8 fast path, Text tab code): {rate:.1f} tok/s ({count} tokens)")
    print(f"speed-up vs the faster baseline: {rate / baseline_rate:.2f}x (goal >= 3x)")
    print(
        f"first token, {PROMPT_TOKENS}-token prompt: median {statistics.median(first_tokens):.3f} s"
        " (goal <= 0.1 s)"
    )
    fp32_ppl, fast_ppl, difference = perplexities(lm)
    print(
        f"perplexity on a fixed {len(lm.tokenizer(TEXT)['input_ids'])}-token text: fp32 "
        f"{fp32_ppl:.3f}, fast path {fast_ppl:.3f} ({(fast_ppl / fp32_ppl - 1) * 100:+.2f}%, "
        "goal <= +3%)"
    )
    print(
        f"max |p_fast - p_fp32| over all positions and tokens: {difference:.4f} (the sampling "
        "distribution; the probabilities the tab shows come from the fp32 model itself)"
    )
    print(f"llama.cpp: {llama_cpp_tokens_per_second(registry, prompt)}")


def ours_first_token(lm, prompt: str) -> float:
    settings = SamplingSettings(0.0, 0, 1.0, 1, 1.0, 0)
    return list(generate(lm, prompt, settings, chat=False))[-1].first_token_seconds


if __name__ == "__main__":
    main()
