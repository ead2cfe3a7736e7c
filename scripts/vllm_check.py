"""Figures for a running OpenAI-compatible server (scripts/vllm_check.sh starts vLLM): tokens/s
with 1 and 16 concurrent streams through the playground's OpenAI backend, and the shape of the
logprobs it sends (chat and completions).

Run: ``.venv/bin/python scripts/vllm_check.py --base-url http://127.0.0.1:18120/v1``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.text.backends.base import TextRequest
from models.text.backends.openai_compat import OpenAICompatBackend, OpenAIConfig
from models.text.generation import SamplingSettings

PROMPTS = ("Write a short story about a lighthouse keeper.", "Explain how rainbows form.",
           "Describe your perfect breakfast.", "What makes a good teacher?")  # fmt: skip


def streams(backend: OpenAICompatBackend, count: int, tokens: int) -> tuple[float, int]:
    """Aggregate tokens/s of ``count`` concurrent streams of ``tokens`` new tokens each."""
    written: list[int] = []

    def one(index: int) -> None:
        settings = SamplingSettings(0.7, 50, 0.9, tokens, 1.1, index)
        request = TextRequest(PROMPTS[index % len(PROMPTS)], settings)
        written.append(len(list(backend.generate(request))[-1].tokens))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(written) / (time.perf_counter() - started), sum(written)


def logprobs_shape(backend: OpenAICompatBackend) -> list[str]:
    client, model = backend.client, backend.model
    chat = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Hi"}], max_tokens=3,
        logprobs=True, top_logprobs=5,
    ).to_dict()  # fmt: skip
    content = chat["choices"][0]["logprobs"]["content"]
    plain = client.completions.create(model=model, prompt="The sky is", max_tokens=3, logprobs=5)
    legacy = plain.to_dict()["choices"][0]["logprobs"]
    return [
        f"chat: logprobs.content has {len(content)} entries for {len(content)} tokens, keys "
        f"{sorted(content[0])}, top_logprobs {len(content[0]['top_logprobs'])} each",
        f"completions: logprobs keys {sorted(legacy)}, top_logprobs "
        f"{[len(t or {}) for t in legacy.get('top_logprobs') or []]} per token",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", default=None)
    parser.add_argument("--startup-seconds", type=float, default=None)
    args = parser.parse_args()
    backend = OpenAICompatBackend(OpenAIConfig(args.base_url, args.model, timeout=600))
    print(f"server: {backend.label}; models: {backend.models()}")
    if args.startup_seconds is not None:
        print(f"startup (launch to /v1/models answering): {args.startup_seconds:.1f} s")
    streams(backend, 1, 8)  # warm-up
    one, _ = streams(backend, 1, 128)
    many, total = streams(backend, 16, 64)
    print(f"1 stream x 128 tokens: {one:.1f} tok/s")
    print(f"16 concurrent streams x 64 tokens: {many:.1f} tok/s aggregate ({total} tokens)")
    print("\n".join(logprobs_shape(backend)))


if __name__ == "__main__":
    main()
