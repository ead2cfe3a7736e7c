"""Speed of the five "inside the language model" views on the default SmolLM2, in one run.

Run: ``.venv/bin/python bench/inside_text.py`` (offline). Each line prints ours, a baseline
measured in the same run, their ratio, and the goal (issue 17, a 40-token text, 2-core CPU):
- tokenizer lens (5 tokenizers, warm) vs the decoder's own tokenizer call: goal <= 0.1 s;
- logit lens (31 rows x 40 positions) vs one plain forward pass with logits: goal <= 1 s;
- a branch with 32 new tokens vs generating 32 tokens plainly, the plain run both bare and as the
  Text tab does it (generate + score_tokens for the colours): goal <= 1.5x;
- integrated gradients (32 steps) vs gradient x input (one pass): goal <= 5 s;
- one head's arithmetic from the cached pass vs a full attention extraction: goal <= 0.2 s.
Timings are medians (best of 2 for the long ones); the load average is printed, since the CPU is
shared.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.attention.extraction import extract_attention
from models.attention.head_arithmetic import head_arithmetic
from models.builtin import SMOLLM2, default_registry
from models.text.attribution import AttributionSettings, explain_ids
from models.text.branching import branch_generation
from models.text.generation import SamplingSettings, generate, score_tokens
from models.text.logit_lens import logit_lens
from models.text.tokenizer_lens import tokenizer_lens, warm_up_lens

GXI = AttributionSettings(method="gradient-x-input")
IG32 = AttributionSettings(integration_steps=32)
TEXT = (
    "The printing press was invented in the Holy Roman Empire by Johannes Gutenberg around "
    "1440. Working as a goldsmith, he developed a system of movable metal type that could be "
    "arranged, inked and pressed onto paper"
)
PROMPT = "Tell me a short story about a lighthouse keeper."


def timed(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) if repeats > 2 else min(times)


def line(name: str, ours: float, base_name: str, base: float, goal: str) -> None:
    print(
        f"{name:<34} ours {ours:7.3f} s | {base_name:<34} {base:7.3f} s | "
        f"ratio {ours / base:6.2f}x | goal {goal}"
    )


def main() -> None:
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores, shared)")
    registry = default_registry({})
    lm = registry.load(SMOLLM2)
    ids = lm.tokenizer(TEXT)["input_ids"][:40]
    text = lm.tokenizer.decode(ids)
    print(f"text: {len(ids)} tokens")
    warm_up_lens(registry)

    ours = timed(lambda: tokenizer_lens(registry, text))
    base = timed(lambda: lm.tokenizer(text))
    line("tokenizer lens (5 tokenizers)", ours, "decoder tokenizer alone", base, "<= 0.1 s")

    import torch

    def forward() -> None:
        with torch.inference_mode():
            lm.model(torch.tensor([ids]))

    logit_lens(registry, SMOLLM2, text)
    ours = timed(lambda: logit_lens(registry, SMOLLM2, text), 3)
    base = timed(forward, 3)
    line("logit lens 31x40", ours, "one forward pass with logits", base, "<= 1 s")

    settings = SamplingSettings.checked(temperature=0.8, max_new_tokens=40, seed=3)
    plain_settings = SamplingSettings.checked(temperature=0.8, max_new_tokens=32, seed=3)
    *_, run = generate(lm, PROMPT, settings)  # also builds the int8 decoder
    scored = score_tokens(lm, run, settings)
    generated = [t.token_id for t in run.tokens]
    index = 8
    alternative = next(
        a.token_id for a in scored[index].alternatives if a.token_id != generated[index]
    )
    new_tokens = []

    def branch() -> None:
        result = branch_generation(lm, PROMPT, settings, generated, index, alternative)
        new_tokens.append(len(result.branch.token_ids) - index - 1)

    def plain() -> None:
        *_, r = generate(lm, PROMPT, plain_settings)
        new_tokens.append(len(r.tokens))

    def plain_scored() -> None:
        *_, r = generate(lm, PROMPT, plain_settings)
        score_tokens(lm, r, plain_settings)

    ours = timed(branch, 2)
    base = timed(plain, 2)
    scored_base = timed(plain_scored, 2)
    print(f"(branch at token {index}: {new_tokens[0]} new tokens; plain: {new_tokens[-1]})")
    line("branch, 32 new tokens", ours, "generate 32 tokens (bare)", base, "<= 1.5x")
    line("branch, 32 new tokens", ours, "generate 32 + score (Text tab)", scored_base, "<= 1.5x")

    explain_ids(registry, SMOLLM2, ids, settings=GXI)  # imports Captum
    ig = []
    ours = timed(
        lambda: ig.append(explain_ids(registry, SMOLLM2, ids, settings=IG32)),
        2,
    )
    base = timed(
        lambda: explain_ids(registry, SMOLLM2, ids, settings=GXI),
        2,
    )
    line("integrated gradients, 32 steps", ours, "gradient x input", base, "<= 5 s")
    print(f"(completeness gap of integrated gradients: {ig[-1].completeness_gap:.2%})")

    head_arithmetic(registry, SMOLLM2, text, 0, 0, 0)  # fills the cache
    ours = timed(lambda: head_arithmetic(registry, SMOLLM2, text, 12, 4, len(ids) - 1), 20)
    base = timed(lambda: extract_attention(registry, SMOLLM2, text), 3)
    line("one head's arithmetic (cached)", ours, "attention extraction", base, "<= 0.2 s")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
