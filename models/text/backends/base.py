"""The text-backend interface: what the Text tab asks an engine for, and what a stream gives back.

Three engines implement it: llama.cpp in-process (llamacpp.py), any OpenAI-compatible server
(openai_compat.py) and the transformers fp32 model (transformers_fp32.py). A handler calls
``backend.generate(request, stop)`` with plain typed values and reads ``TextRun`` updates; every
number an engine could not give is ``None`` (never a made-up 0), and ``TextRun.probability_source``
says whose numbers the shown ones are.

Not here: choosing a backend from the environment (selection.py), sampler math
(models/text/sampler.py), anything about the UI.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from models.text.generation import (
    ALTERNATIVES,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    SamplingSettings,
)

BackendKind = Literal["llamacpp", "openai", "transformers"]
Phase = Literal["generating", "scoring", "done"]


@dataclass(frozen=True)
class TextRequest:
    """One generation or next-token request, with checked settings (``SamplingSettings.checked``).

    ``prompt_ids``: the prompt already tokenized (chat template applied, cut to fit) by the
    playground's own tokenizer; engines that accept ids use them so their tokens line up with the
    fp32 model's, others read ``prompt`` and ``chat``. ``after_sampler``: ask for probabilities
    after the sampler instead of the model's own (llama.cpp's ``post_sampling_probs``)."""

    prompt: str
    settings: SamplingSettings
    chat: bool = True
    model: str | None = None  # None: the backend's default model
    prompt_ids: list[int] | None = None
    alternatives: int = ALTERNATIVES
    after_sampler: bool = False


@dataclass(frozen=True)
class TokenChoice:
    """One candidate at a position, as the engine reported it."""

    token: str  # the token's text (may be part of a character: see ``readable``)
    token_id: int | None = None
    probability: float | None = None  # the model's own (temperature 1, nothing filtered)
    sampler_probability: float | None = None  # after penalty, temperature, top-k, top-p


@dataclass(frozen=True)
class StreamedToken:
    """One generated token: what the text grew by, and the engine's numbers for it."""

    piece: str  # pieces of a run join into exactly its text
    token: str
    token_id: int | None = None
    probability: float | None = None
    sampler_probability: float | None = None
    alternatives: tuple[TokenChoice, ...] = ()

    def record(self) -> dict[str, object]:
        """The Text tab's per-token record (components/text/plots.py ``token_records`` shape);
        unknown numbers stay None so the tab can show "—"."""
        return {
            "piece": self.piece,
            "token": readable(self.token),
            "probability": self.probability,
            "sampler_probability": self.sampler_probability,
            "alternatives": [
                [readable(alt.token), alt.probability, alt.sampler_probability]
                for alt in self.alternatives
            ],
            "alternative_ids": [alt.token_id for alt in self.alternatives],  # None: not sent
        }


@dataclass
class TextRun:
    """What one generation produced so far; a stream yields the same object, updated.

    Field names match models/text/generation.py ``Generation`` where they mean the same, so the
    tab's status line reads either."""

    backend: str  # e.g. "llama.cpp in-process (SmolLM2-135M-Instruct.Q4_1.gguf)"
    model: str
    seed: int
    prompt_ids: list[int] | None = None
    notice: str = ""
    tokens: list[StreamedToken] = field(default_factory=list)
    text: str = ""
    phase: Phase = "generating"
    stop_reason: str = ""  # "end of text", "max new tokens", "stopped"
    probability_source: str = ""  # whose probabilities the tokens carry; "" when none
    first_token_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        return self.phase != "generating"

    @property
    def tokens_per_second(self) -> float:
        return len(self.tokens) / self.seconds if self.seconds > 0 else 0.0

    @property
    def has_probabilities(self) -> bool:
        return any(
            t.probability is not None or t.sampler_probability is not None for t in self.tokens
        )


@dataclass(frozen=True)
class NextTokens:
    """The most likely next tokens after a prompt (the explorer), most likely first.

    ``complete`` is True only when ``choices`` came from the whole vocabulary's distribution (then
    a caller may compute entropy or count survivors); an engine's top-N list is not complete."""

    prompt_tokens: int | None
    choices: list[TokenChoice]
    source: str
    notice: str = ""
    complete: bool = False


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, so the tab can hide or explain what it cannot."""

    token_probabilities: bool  # the model's probability for each generated token
    sampler_probabilities: bool  # probabilities after the sampler (``after_sampler``)
    next_token: bool  # ``next_token`` works
    top_k: bool
    repetition_penalty: bool
    exact_fp32: bool  # the fp32 weights themselves, no quantization
    adapters: bool  # can carry this session's LoRA adapter
    max_alternatives: int


class TextBackend(Protocol):
    """An engine that writes text. Implementations are thread-safe and shared by all users."""

    kind: BackendKind
    label: str  # for a status line: which engine, where

    def models(self) -> list[str]:
        """Model ids this backend serves, default first."""
        ...

    def capabilities(self) -> Capabilities: ...

    def generate(
        self, request: TextRequest, stop: threading.Event | None = None
    ) -> Iterator[TextRun]:
        """Yield the updated run after every token, and once with ``phase == "done"``. Setting
        ``stop`` ends it before the next token (stop_reason "stopped"). Errors a user can act on
        are ModelUnavailableError / InvalidInputError with one sentence."""
        ...

    def next_token(self, request: TextRequest, count: int) -> NextTokens: ...

    def close(self) -> None: ...


def seed_for(settings: SamplingSettings) -> int:
    """The seed a run uses: the user's, or a fresh random one that is reported back."""
    return settings.seed if settings.seed is not None else secrets.randbelow(MAX_SEED + 1)


def check_prompt(prompt: object) -> str:
    """The prompt text, or one sentence on what is wrong with it (same rules as the fp32 path)."""
    from models.errors import InvalidInputError

    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidInputError("The prompt is empty: type some text for the model to continue.")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidInputError(
            f"The prompt has {len(prompt):,} characters; the limit is {MAX_PROMPT_CHARS:,}. "
            "Shorten it."
        )
    return prompt


def readable(token: str) -> str:
    """A token's text made readable in a table (as ``visible_token`` does with a tokenizer)."""
    if token == "" or "\ufffd" in token:
        return f"⟨{token.encode('unicode_escape').decode() or 'empty'}⟩ (part of a character)"
    return token.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥")


def split_piece(text: str, tokens: list[str]) -> list[str]:
    """Share one streamed chunk's text among the tokens it carried: each token's own text where
    they add up to the chunk, else all of it on the first token, so pieces still join exactly."""
    if len(tokens) == 1:
        return [text]
    if not tokens:
        return []
    if "".join(tokens) == text:
        return list(tokens)
    return [text] + [""] * (len(tokens) - 1)


def stop_requested(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


FINISH = {"stop": "end of text", "length": "max new tokens"}  # OpenAI finish_reason → ours


def absorb_chunk(
    run: TextRun,
    held: list[StreamedToken],
    text: str,
    tokens: list[StreamedToken],
    finish: str | None,
    started: float,
) -> tuple[list[StreamedToken], bool]:
    """Add one streamed chunk to ``run``; returns (tokens held back, whether the run grew).

    A lone special token (no text, no bytes) is held back: when the stream then finishes with
    "stop" it was the end-of-text token, which the fp32 path does not list either."""
    if finish:
        run.stop_reason = FINISH.get(finish, finish)
    if not (tokens or text):
        return held, False
    if not tokens:  # text without probabilities: the server sent none
        tokens = [StreamedToken(piece=text, token=text)]
    if not text and len(tokens) == 1 and tokens[0].token == "" and not finish:
        return tokens, False
    run.tokens.extend([*held, *tokens])
    run.text += text
    run.seconds = time.perf_counter() - started
    if not run.first_token_seconds:
        run.first_token_seconds = run.seconds
    return [], True


def finish_run(run: TextRun, held: list[StreamedToken], started: float) -> None:
    """Close a run: a held-back token stays unless the text ended there."""
    if held and run.stop_reason != "end of text":
        run.tokens.extend(held)
    run.seconds = time.perf_counter() - started
    run.phase = "done"
