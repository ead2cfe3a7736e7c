"""Text generation for the Text tab: checked sampling settings, prompt preparation, a seeded
streaming decode loop with a stop event, and per-token probabilities with their alternatives.

Generation runs on the exact fp32 decode loop (models/text/decode_loop.py: fused projections and
a preallocated KV cache). The probabilities *shown* for a finished text come from one pass of the
registry model over prompt + output (``score_tokens``), with the alternatives at every position.
The fast path is llama.cpp, behind the same tab (models/text/backends/).

Not here: the sampler math (models/text/sampler.py) and anything about the UI.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from models.errors import InvalidInputError
from models.settings import Settings, setting
from models.text.causal_lm import CausalLM
from models.text.decode_loop import DECODE_THREADS, DecodeLoop, intra_op_threads
from models.text.sampler import (
    Alternative,
    apply_repetition_penalty,
    sample,
    sampler_probabilities,
    top_alternatives,
)
from models.validation import MAX_SEED

MAX_NEW_TOKENS = 512
MAX_TOP_K = 1000
MAX_TEMPERATURE = 2.0
MIN_TOP_P = 0.01
MAX_REPETITION_PENALTY = 2.0
MAX_PROMPT_CHARS = 20_000  # refused beyond this: it could never fit the window anyway
MAX_PROMPT_TOKENS = 1024  # longer prompts keep their start; a CPU-friendly window for everyone
ALTERNATIVES = 10


@dataclass(frozen=True)
class SamplingSettings(Settings):
    """How the next token is picked: each setting declared once (models/settings.py), read by
    the Text tab's widgets, the API and the checker. Build with ``SamplingSettings.checked``."""

    temperature: float = setting(
        0.7, low=0.0, high=MAX_TEMPERATURE, step=0.05, label="Temperature (0 = greedy)"
    )
    top_k: int = setting(50, low=0, high=MAX_TOP_K, step=1, label="Top-k (0 = off)", noun="top-k")
    top_p: float = setting(
        0.9, low=MIN_TOP_P, high=1.0, step=0.01, label="Top-p (1 = off)", noun="top-p"
    )
    max_new_tokens: int = setting(128, low=1, high=MAX_NEW_TOKENS, step=1, label="Max new tokens")
    repetition_penalty: float = setting(
        1.1, low=1.0, high=MAX_REPETITION_PENALTY, step=0.05, label="Repetition penalty (1 = off)"
    )
    # -1 (or None): a random seed, drawn per run and reported back
    seed: int | None = setting(
        -1, low=-1, high=MAX_SEED, optional=True,
        label="Seed (-1 = random; the seed used is shown)",
    )  # fmt: skip

    def __post_init__(self) -> None:
        if self.seed is not None and self.seed < 0:  # one spelling of "random" from here on
            object.__setattr__(self, "seed", None)


PRESETS: dict[str, SamplingSettings] = {
    "precise": SamplingSettings(temperature=0.0, top_k=0, top_p=1.0, repetition_penalty=1.1),
    "balanced": SamplingSettings(),  # the declared defaults
    "creative": SamplingSettings(temperature=1.1, top_k=0, top_p=0.97, repetition_penalty=1.05),
}


@dataclass(frozen=True)
class PreparedPrompt:
    ids: list[int]
    notice: str = ""  # shown to the user, e.g. when the prompt was cut


def prepare_prompt(lm: CausalLM, prompt: Any, chat: bool, max_new_tokens: int) -> PreparedPrompt:
    """Token ids for a prompt (wrapped in the chat template in chat mode), cut to fit.

    A prompt too long for the window keeps its **start**, where people put the instruction
    ("Summarise this: …"); the cut is made in the user's text, so the chat template around it
    (and the assistant turn the model answers in) stays whole."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidInputError("The prompt is empty: type some text for the model to continue.")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidInputError(
            f"The prompt has {len(prompt):,} characters; the limit is {MAX_PROMPT_CHARS:,}. "
            "Shorten it."
        )
    notices = []
    tokenizer = lm.tokenizer
    templated = chat and lm.has_chat_template
    if chat and not templated:
        notices.append("This model has no chat template, so the prompt was used as plain text.")
    window = getattr(lm.model.config, "max_position_embeddings", None) or 2048
    budget = min(MAX_PROMPT_TOKENS, window - max_new_tokens)
    if budget < 1:
        raise InvalidInputError(f"Ask for at most {window - 1} new tokens with this model.")
    ids = _prompt_ids(tokenizer, prompt, templated)
    if len(ids) > budget:
        overhead = len(_prompt_ids(tokenizer, "", templated)) if templated else 0
        own = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        keep = max(1, budget - overhead - (len(ids) - overhead - len(own)))
        kept = tokenizer.decode(own[:keep], skip_special_tokens=True)
        ids = _prompt_ids(tokenizer, kept, templated)[:budget]
        notices.append(
            f"The prompt is {len(own):,} tokens long; only its first {keep:,} were used (the "
            f"limit here is {budget:,} tokens so that prompt and output fit): shorten it or put "
            "what matters first."
        )
    return PreparedPrompt(ids=ids, notice=" ".join(notices))


def _prompt_ids(tokenizer: Any, text: str, templated: bool) -> list[int]:
    if templated:
        wrapped = tokenizer.apply_chat_template(
            [{"role": "user", "content": text}], add_generation_prompt=True, tokenize=False
        )
        return tokenizer(wrapped, add_special_tokens=False)["input_ids"]
    return tokenizer(text)["input_ids"]


class IncrementalText:
    """Turns token ids into text pieces as they arrive. A piece is what the text grew by, so
    pieces always join into exactly the decoded text; a token that ends in the middle of a
    multi-byte character (emoji, CJK) gives "" until the character is complete."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.text = ""

    def add(self, token_id: int) -> str:
        self.ids.append(token_id)
        decoded = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if decoded.endswith("\ufffd"):  # wait for the rest of the character
            return ""
        piece = decoded[len(self.text) :] if decoded.startswith(self.text) else decoded
        self.text = decoded
        return piece


@dataclass(frozen=True)
class GeneratedToken:
    token_id: int
    piece: str  # what the text grew by
    sampler_probability: float  # with the user's sampler settings


@dataclass
class Generation:
    """What one run produced so far; the stream yields the same object, updated."""

    seed: int
    prompt_ids: list[int]
    notice: str = ""
    tokens: list[GeneratedToken] = field(default_factory=list)
    text: str = ""
    finished: bool = False
    stop_reason: str = ""  # "end of text", "max new tokens", "stopped"
    first_token_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        return len(self.tokens) / self.seconds if self.seconds > 0 else 0.0


def end_token_ids(lm: CausalLM) -> set[int]:
    ids = {lm.tokenizer.eos_token_id}
    configured = getattr(lm.model.generation_config, "eos_token_id", None)
    ids.update(configured if isinstance(configured, list) else [configured])
    return {i for i in ids if i is not None}


def generate(
    lm: CausalLM,
    prompt: str,
    settings: SamplingSettings,
    *,
    chat: bool = True,
    stop: threading.Event | None = None,
    decoder_factory: Any = None,
    continue_ids: Sequence[int] = (),
) -> Iterator[Generation]:
    """Stream a generation: yields the updated Generation after every token, and once at the end.

    A fixed ``settings.seed`` gives the same text every time (same model, same path); with no
    seed, a random one is drawn and reported in ``Generation.seed``. Setting ``stop`` ends the
    loop before the next token. ``decoder_factory`` (called with the sequence length) replaces the
    shared decode loop, e.g. by a model that carries a session's LoRA adapter.

    ``continue_ids`` are tokens already chosen after the prompt (a branch: the original's tokens
    up to a position, then another pick). They are read one by one, as the original run read
    them (same kernels, so the same numbers), and the seeded generator draws once for each as if
    it had sampled them: every later token gets the random number the original run used at that
    position, and the original's own tokens give back the original (models/text/branching.py).
    """
    prepared = prepare_prompt(lm, prompt, chat, settings.max_new_tokens)
    seed = settings.seed if settings.seed is not None else secrets.randbelow(MAX_SEED + 1)
    run = Generation(seed=seed, prompt_ids=prepared.ids, notice=prepared.notice)
    generator = torch.Generator().manual_seed(seed)
    length = len(prepared.ids) + settings.max_new_tokens
    if decoder_factory is not None:
        decoder = decoder_factory(length)
    else:
        decoder = DecodeLoop.for_model(lm.model).new_sequence(length)
    text = IncrementalText(lm.tokenizer)
    ends = end_token_ids(lm)
    history = list(prepared.ids)
    started = time.perf_counter()
    run.stop_reason = "max new tokens"
    token = -1
    forced = list(continue_ids)
    if forced:  # a branch: see _replay
        next_logits, forced_probs = _replay(decoder, prepared.ids, forced, settings, generator)
        for forced_token, probability in zip(forced, forced_probs, strict=True):
            history.append(forced_token)
            run.tokens.append(GeneratedToken(forced_token, text.add(forced_token), probability))
        run.text = text.text
    for index in range(len(forced), settings.max_new_tokens):
        if stop is not None and stop.is_set():
            run.stop_reason = "stopped"
            break
        # All per-token tensor work on one thread: torch's setting is per OS thread and Gradio
        # may resume this generator on another, so it is applied between yields, never across.
        with intra_op_threads(DECODE_THREADS):
            if index == 0:
                logits = decoder.start(prepared.ids)[0]
            elif index == len(forced):
                logits = next_logits
            else:
                logits = decoder.step(token)[0]
            penalized = apply_repetition_penalty(logits, history, settings.repetition_penalty)
            probs = sampler_probabilities(
                penalized, settings.temperature, settings.top_k, settings.top_p
            )
            token = sample(probs, generator)
        history.append(token)
        if token in ends:
            run.stop_reason = "end of text"
            break
        run.tokens.append(GeneratedToken(token, text.add(token), float(probs[token])))
        run.text = text.text
        run.seconds = time.perf_counter() - started
        if index == len(forced):
            run.first_token_seconds = run.seconds
        yield run
    run.seconds = time.perf_counter() - started
    run.finished = True
    yield run


def _replay(
    decoder: Any,
    prompt_ids: list[int],
    forced: list[int],
    settings: SamplingSettings,
    generator: torch.Generator,
) -> tuple[torch.Tensor, list[float]]:
    """Read the prompt, then the forced tokens one step each (exactly the original run's
    path), drawing once per forced token from the distribution it had (the draw is discarded).
    Returns the logits after the last forced token and each forced token's sampler probability."""
    with intra_op_threads(DECODE_THREADS):
        logits = decoder.start(prompt_ids)[0]
        history, probabilities = list(prompt_ids), []
        for token in forced:
            penalized = apply_repetition_penalty(logits, history, settings.repetition_penalty)
            probs = sampler_probabilities(
                penalized, settings.temperature, settings.top_k, settings.top_p
            )
            sample(probs, generator)  # keeps the generator in step with the original run
            probabilities.append(float(probs[token]))
            history.append(token)
            logits = decoder.step(token)[0]
    return logits, probabilities


@dataclass(frozen=True)
class ScoredToken:
    """One generated token as the full-precision model sees it, with its alternatives."""

    token_id: int
    piece: str
    probability: float  # the model's own probability (temperature 1, no filtering)
    sampler_probability: float  # after repetition penalty, temperature, top-k and top-p
    alternatives: list[Alternative]


@torch.inference_mode()
def score_tokens(
    lm: CausalLM, run: Generation, settings: SamplingSettings, alternatives: int = ALTERNATIVES
) -> list[ScoredToken]:
    """Probabilities of each generated token from one fp32 pass over prompt + output."""
    if not run.tokens:
        return []
    generated = [t.token_id for t in run.tokens]
    ids = run.prompt_ids + generated
    device = lm.model.device
    with intra_op_threads(DECODE_THREADS):  # see generate(): stalls less on a shared CPU
        logits = lm.model(torch.tensor([ids], device=device)).logits[0].float().cpu()
    start = len(run.prompt_ids)
    scored = []
    for offset, token in enumerate(run.tokens):
        position = start + offset - 1  # logits at position i predict token i + 1
        model_probs = torch.softmax(logits[position], dim=-1)
        penalized = apply_repetition_penalty(
            logits[position], ids[: start + offset], settings.repetition_penalty
        )
        after = sampler_probabilities(
            penalized, settings.temperature, settings.top_k, settings.top_p
        )
        scored.append(
            ScoredToken(
                token_id=token.token_id,
                piece=token.piece,
                probability=float(model_probs[token.token_id]),
                sampler_probability=float(after[token.token_id]),
                alternatives=top_alternatives(model_probs, after, alternatives),
            )
        )
    return scored


@dataclass(frozen=True)
class NextTokenDistribution:
    """The next-token distribution of a prompt, before and after the sampler."""

    prompt_tokens: int
    notice: str
    model_probs: torch.Tensor  # softmax of the raw logits
    sampler_probs: torch.Tensor  # after repetition penalty, temperature, top-k, top-p
    logits: torch.Tensor
    prompt_ids: list[int]


@torch.inference_mode()
def next_token_distribution(
    lm: CausalLM, prompt: str, settings: SamplingSettings, chat: bool = False
) -> NextTokenDistribution:
    """One fp32 forward pass: the model's distribution over the token after ``prompt``."""
    prepared = prepare_prompt(lm, prompt, chat, 1)
    device = lm.model.device
    with intra_op_threads(DECODE_THREADS):
        logits = lm.model(torch.tensor([prepared.ids], device=device)).logits[0, -1].float().cpu()
    return reshape_distribution(logits, prepared.ids, settings, prepared.notice)


def reshape_distribution(
    logits: torch.Tensor, prompt_ids: list[int], settings: SamplingSettings, notice: str = ""
) -> NextTokenDistribution:
    """Apply the sampler settings to logits already computed (no model call)."""
    penalized = apply_repetition_penalty(logits, prompt_ids, settings.repetition_penalty)
    return NextTokenDistribution(
        prompt_tokens=len(prompt_ids),
        notice=notice,
        model_probs=torch.softmax(logits, dim=-1),
        sampler_probs=sampler_probabilities(
            penalized, settings.temperature, settings.top_k, settings.top_p
        ),
        logits=logits,
        prompt_ids=prompt_ids,
    )


def visible_token(tokenizer: Any, token_id: int) -> str:
    """A token's text made readable in a table: spaces, newlines and tabs shown as symbols; a
    token holding only some bytes of a character (emoji, CJK) shows its raw vocabulary entry."""
    text = tokenizer.decode([token_id])
    if text == "" or "\ufffd" in text:
        raw = tokenizer.convert_ids_to_tokens(token_id)
        return f"⟨{raw}⟩ (part of a character)"
    return text.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥")
