"""Before vs after: the base model and a session's fine-tuned model answer the same prompts with
the same seed and sampling settings, so every difference comes from the fine-tune.

Sampling uses a private ``torch.Generator`` per call (never the global RNG, which other users
share), so a seed gives the same text every time, for the base and the tuned model alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.errors import InvalidInputError
from models.finetune.settings import TrainedAdapter
from models.finetune.training import LoraBench
from models.settings import Settings, setting
from models.validation import MAX_SEED

MAX_PROMPTS = 12
MAX_PROMPT_CHARS = 1_000


@dataclass(frozen=True)
class CompareSettings(Settings):
    """How the base and the tuned model answer: each setting declared once (models/settings.py),
    read by the Fine-tune tab's widgets, the ``/finetune`` and ``/compare_models`` API and the
    checker. ``top_p`` is set in code only (the tab samples with its default)."""

    max_new_tokens: int = setting(
        48, low=1, high=256, step=1, label="Max new tokens", noun="max_new_tokens"
    )
    temperature: float = setting(
        0.0, low=0.0, high=2.0, step=0.05, label="Temperature (0 = greedy)"
    )
    top_p: float = setting(0.9, low=0.05, high=1.0, noun="top_p")
    seed: int = setting(0, low=0, high=MAX_SEED, label="Seed")


@dataclass(frozen=True)
class Comparison:
    prompt: str
    base: str
    tuned: str
    expected: str = ""  # the held-out example's own response, when there is one


def prompt_ids(tokenizer: Any, prompt: str) -> Any:
    if getattr(tokenizer, "chat_template", None):
        messages = [{"role": "user", "content": prompt}]
        text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    else:
        text = f"{prompt}\n"
    return tokenizer(text, return_tensors="pt", add_special_tokens=False).input_ids


def sample_reply(model: Any, tokenizer: Any, prompt: str, settings: CompareSettings) -> str:
    """A reply decoded token by token with a KV cache and a seeded private generator."""
    import torch

    generator = torch.Generator().manual_seed(settings.seed)
    ids = prompt_ids(tokenizer, prompt)
    stop = {tokenizer.eos_token_id} - {None}
    produced: list[int] = []
    past = None
    with torch.no_grad():
        for _ in range(settings.max_new_tokens):
            out = model(input_ids=ids, past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[0, -1].float()
            if settings.temperature == 0:
                token = int(logits.argmax())
            else:
                probs = torch.softmax(logits / settings.temperature, dim=-1)
                sorted_probs, order = probs.sort(descending=True)
                keep = sorted_probs.cumsum(0) - sorted_probs < settings.top_p
                sorted_probs = sorted_probs * keep
                choice = torch.multinomial(
                    sorted_probs / sorted_probs.sum(), 1, generator=generator
                )
                token = int(order[choice])
            if token in stop:
                break
            produced.append(token)
            ids = torch.tensor([[token]])
    return tokenizer.decode(produced, skip_special_tokens=True).strip()


def clean_prompts(prompts: list[str]) -> list[str]:
    cleaned = [p.strip() for p in prompts if p and p.strip()]
    if not cleaned:
        raise InvalidInputError("Type at least one prompt to compare (one per line).")
    too_long = [p for p in cleaned if len(p) > MAX_PROMPT_CHARS]
    if too_long:
        raise InvalidInputError(
            f"Prompts are limited to {MAX_PROMPT_CHARS} characters; one has {len(too_long[0])}."
        )
    if len(cleaned) > MAX_PROMPTS:  # never drop prompts silently (issue 16, item 5)
        raise InvalidInputError(
            f"Compare at most {MAX_PROMPTS} prompts at a time (one per line); you gave "
            f"{len(cleaned)}: split them into several runs."
        )
    return cleaned


def compare(
    bench: LoraBench,
    adapter: TrainedAdapter,
    prompts: list[str],
    settings: CompareSettings,
    expected: list[str] | None = None,
) -> list[Comparison]:
    """Base and tuned replies for each prompt, same seed and settings."""
    settings = settings.validated()
    prompts = clean_prompts(prompts)
    with bench.adapted(None) as base:
        before = [sample_reply(base, bench.tokenizer, p, settings) for p in prompts]
    with bench.adapted(adapter) as tuned:
        after = [sample_reply(tuned, bench.tokenizer, p, settings) for p in prompts]
    wanted = expected or [""] * len(prompts)
    return [
        Comparison(p, b, a, e) for p, b, a, e in zip(prompts, before, after, wanted, strict=False)
    ]
