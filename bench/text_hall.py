"""A lecture hall on one box: 16 clients calling the real app's ``/generate_text`` at once, 64
tokens each, with llama.cpp slots vs the transformers path, both measured in this run.

Run: ``.venv/bin/python bench/text_hall.py`` (offline). It starts ``app.py`` twice on loopback
(ports 18150 and 18151 unless ``--port`` says otherwise), each with ``PLAYGROUND_TEXT_BACKEND``
selecting the path, and prints aggregate tokens/s and the p95 time to first token (seen by the
client: the first streamed update that carries text). Goal: llama.cpp >= 2x aggregate.

- llama.cpp: ``PLAYGROUND_TEXT_BACKEND=llamacpp``, ``PLAYGROUND_LLAMACPP_SLOTS`` and
  ``PLAYGROUND_HEAVY_CONCURRENCY`` both ``--slots`` (default 8): the slots decode together;
- transformers: ``PLAYGROUND_TEXT_BACKEND=transformers``, the exact fp32 loop at the app's default
  heavy concurrency. (Until 2026-12-02 this was the int8 loop: 16 clients, llama.cpp 8 slots
  32.7 tok/s aggregate, p95 first token 17.1 s; int8 18.2 tok/s, 48.9 s; 1.80x.)

It checks the status line of a first call names the engine it asked for, and stops otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = (
    "Write a short story about a lighthouse keeper.",
    "Explain how rainbows form.",
    "Describe your perfect breakfast.",
    "What makes a good teacher?",
)
NEW_TOKENS = 64
READY_TIMEOUT = 300.0


def start_app(port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--no-warm-up"],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def connect(port: int, process: subprocess.Popen):
    """A gradio_client on the app once it answers (it signals readiness by answering)."""
    from gradio_client import Client

    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if process.poll() is not None:
            raise SystemExit(f"app.py on port {port} exited with {process.returncode}")
        try:
            return Client(f"http://127.0.0.1:{port}/", verbose=False)
        except Exception:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"app.py on port {port} did not start in {READY_TIMEOUT:.0f} s"
                ) from None
            time.sleep(1.0)


def request(prompt: str, fast: bool, temperature: float, tokens: int, seed: int) -> dict:
    """/generate_text's arguments (README's API table), chat mode, top-k 50, top-p 0.9."""
    return {
        "model_name": "HuggingFaceTB/SmolLM2-135M-Instruct",
        "prompt_text": prompt,
        "chat_mode": True,
        "fast_path": fast,
        "temperature_value": temperature,
        "top_k_value": 50,
        "top_p_value": 0.9,
        "max_new_tokens": tokens,
        "repetition_penalty": 1.1,
        "seed_value": seed,
        "use_finetuned": False,
        "api_name": "/generate_text",
    }


def one_client(url: str, prompt: str, fast: bool, seed: int, out: list) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    started = time.perf_counter()
    first = None
    job = client.submit(**request(prompt, fast, 0.7, NEW_TOKENS, seed))
    status = ""
    for update in job:
        text, status = update[0], update[1]
        if first is None and text:
            first = time.perf_counter() - started
    final = job.outputs()[-1] if job.outputs() else ("", status)
    status = final[1]
    match = re.search(r"(\d+) tokens", status)
    out.append((first or 0.0, int(match.group(1)) if match else 0, status))


def hall(url: str, clients: int, fast: bool) -> tuple[float, float, str]:
    results: list = []
    threads = [
        threading.Thread(target=one_client, args=(url, PROMPTS[i % len(PROMPTS)], fast, i, results))
        for i in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    tokens = sum(r[1] for r in results)
    firsts = sorted(r[0] for r in results)
    p95 = firsts[min(len(firsts) - 1, int(0.95 * len(firsts)))]
    return tokens / seconds, p95, results[0][2] if results else ""


def measure(port: int, env: dict[str, str], fast: bool, clients: int, expect: str):
    process = start_app(port, env)
    try:
        client = connect(port, process)
        warm = client.predict(**request("Hi", fast, 0.0, 4, 0))
        if expect not in str(warm[1]):
            raise SystemExit(
                f"The app's status says {warm[1]!r}, not {expect!r}: the Text tab does not select "
                "text backends yet; run this after it is wired to models/text/backends (issue 15)."
            )
        return hall(f"http://127.0.0.1:{port}/", clients, fast)
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18150)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--slots", type=int, default=8)
    args = parser.parse_args()
    slots = str(args.slots)
    llama_env = {
        "PLAYGROUND_TEXT_BACKEND": "llamacpp",
        "PLAYGROUND_LLAMACPP_SLOTS": slots,
        "PLAYGROUND_HEAVY_CONCURRENCY": slots,
    }
    old_env = {"PLAYGROUND_TEXT_BACKEND": "transformers"}
    ours, our_p95, _ = measure(args.port, llama_env, True, args.clients, "llama.cpp")
    old, old_p95, _ = measure(args.port + 1, old_env, True, args.clients, "exact fp32")
    print(f"{args.clients} clients x {NEW_TOKENS} tokens through /generate_text:")
    print(f"llama.cpp, {slots} slots: {ours:.1f} tok/s aggregate, p95 first token {our_p95:.2f} s")
    print(f"transformers fp32: {old:.1f} tok/s aggregate, p95 first token {old_p95:.2f} s")
    print(f"aggregate speed-up: {ours / old:.2f}x (goal >= 2x)")


if __name__ == "__main__":
    main()
