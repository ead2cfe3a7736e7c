"""llama.cpp inside this process (the ``xllamacpp`` wheel) serving a GGUF file as it is.

Why: on a CPU box llama.cpp decodes the packaged Q4_1 GGUF faster than any torch loop, on the very
weights the fp32 model was dequantized from, and its server runs several slots with continuous
batching, so concurrent users share one model. ``xllamacpp.Server`` is llama.cpp's own server; we
call its request handlers directly (no HTTP on our side), with a callback per streamed chunk.

The server always starts an HTTP listener too. It is made unreachable: it listens on a Unix socket
in a fresh 0700 folder (no TCP port at all), demands a random API key, and allows no browser
origin (CORS is set to a ``.invalid`` host, never ``*``); the Web UI, slots, props and metrics
endpoints are off. tests/test_text_backend_llamacpp.py checks all of this.

Probabilities come from the engine: the model's own (``n_probs``, before the sampler) or, with
``after_sampler``, llama.cpp's ``post_sampling_probs``. The sampler chain is set to the playground's
order (models/text/sampler.py: penalty over every earlier token, temperature, top-k, top-p; no
min-p) so the same settings mean the same distribution on every backend.

Not here: finding the GGUF (gguf_source.py), choosing this backend (selection.py).
"""

from __future__ import annotations

import dataclasses
import math
import os
import queue
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from models.errors import InvalidInputError, ModelUnavailableError
from models.text.backends.base import (
    Capabilities,
    NextTokens,
    StreamedToken,
    TextRequest,
    TextRun,
    TokenChoice,
    absorb_chunk,
    check_prompt,
    finish_run,
    seed_for,
    split_piece,
    stop_requested,
)
from models.text.backends.gguf_source import GgufFile
from models.text.generation import SamplingSettings
from models.validation import shown_value

DEFAULT_SLOTS = 4  # PLAYGROUND_LLAMACPP_SLOTS: users decoding at once (continuous batching)
SLOT_CONTEXT = 2048  # tokens per slot: the playground's prompt cap (1024) + 512 new, with room
MAX_PROBS = 50  # alternatives an explorer or a token may ask for
STALL_SECONDS = 300.0  # no chunk at all for this long: the engine is stuck, say so
POLL_SECONDS = 0.05  # how often a waiting stream looks at the Stop event
NO_ORIGIN = "https://in-process.invalid"  # a CORS origin no page can have (.invalid never resolves)
# The playground's sampler order (models/text/sampler.py), in llama.cpp's sampler names.
SAMPLERS = ["penalties", "temperature", "top_k", "top_p"]


def env_int(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the environment; a bad value raises one sentence naming it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise InvalidInputError(f"{name} must be a whole number from {low} to {high}, not {raw}.")
    return value


class LlamaCppEngine:
    """One llama.cpp server on one GGUF file, in this process; thread-safe."""

    def __init__(self, gguf: Path, *, slots: int = DEFAULT_SLOTS, threads: int | None = None):
        import xllamacpp  # ImportError: the caller falls back and says so

        self.gguf = gguf
        self.slots = slots
        self.api_key = secrets.token_urlsafe(32)
        self._socket_dir = tempfile.mkdtemp(prefix="playground-llamacpp-")  # mode 0700
        threads = threads or os.cpu_count() or 1
        params = xllamacpp.CommonParams()
        params.model.path = str(gguf)
        params.n_parallel = slots
        params.n_ctx = SLOT_CONTEXT * slots  # split evenly among the slots
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.hostnames = [str(Path(self._socket_dir) / "llama.sock")]  # a Unix socket: no port
        params.api_keys = [self.api_key]
        params.cors_origins = NO_ORIGIN
        params.cors_credentials = False
        params.ui = False
        params.endpoint_slots = False
        params.endpoint_props = False
        params.endpoint_metrics = False
        params.verbosity = -1
        try:
            self._server = xllamacpp.Server(params)
        except Exception as error:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            raise ModelUnavailableError(
                f"llama.cpp could not load {gguf.name} ({error}): the file may be damaged."
            ) from error

    @property
    def listening_address(self) -> str:
        return str(self._server.listening_address)

    def request(self, body: dict[str, Any], chat: bool = False) -> dict[str, Any]:
        """One non-streamed request; an engine error raises with its message."""
        body = {**body, "stream": False}
        handler = self._server.handle_chat_completions if chat else self._server.handle_completions
        reply = handler(body)
        raise_for_error(reply)
        return reply

    def stream(
        self, body: dict[str, Any], stop: Callable[[], bool], chat: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Chunks of one streamed request, as they come. ``stop()`` true ends the stream within
        POLL_SECONDS; the engine frees the slot at its next token (the callback answers True)."""
        chunks: queue.Queue[Any] = queue.Queue()
        done = object()
        abandoned = threading.Event()
        handler = self._server.handle_chat_completions if chat else self._server.handle_completions

        def on_chunk(chunk: Any) -> bool:
            chunks.put(chunk)
            return abandoned.is_set() or stop()

        def work() -> None:
            try:
                handler({**body, "stream": True}, on_chunk)
            except Exception as error:  # surfaced to the reader below
                chunks.put(error)
            finally:
                chunks.put(done)

        threading.Thread(target=work, name="llamacpp-request", daemon=True).start()
        waited = 0.0
        try:
            while True:
                try:
                    chunk = chunks.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    if stop():
                        return
                    waited += POLL_SECONDS
                    if waited > STALL_SECONDS:
                        raise ModelUnavailableError(
                            f"llama.cpp sent nothing for {STALL_SECONDS:.0f} s: restart the app."
                        ) from None
                    continue
                waited = 0.0
                if chunk is done or stop():
                    return
                if isinstance(chunk, Exception):
                    raise ModelUnavailableError(f"llama.cpp failed: {chunk}") from chunk
                raise_for_error(chunk)
                yield chunk
        finally:
            abandoned.set()  # a reader that left (Stop, closed page) frees the slot

    def close(self) -> None:
        self._server = None  # the server's destructor stops its loop and listener
        shutil.rmtree(self._socket_dir, ignore_errors=True)


def raise_for_error(reply: Any) -> None:
    """Turn an engine error reply into one sentence (bad request: the user can fix it)."""
    if not isinstance(reply, dict):
        return
    error = reply.get("error") if isinstance(reply.get("error"), dict) else None
    if error is None and "code" in reply and "message" in reply:
        error = reply
    if error is None:
        return
    message = str(error.get("message", "unknown error")).strip().rstrip(".")
    if "context" in message.lower() or error.get("type") == "exceed_context_size_error":
        raise InvalidInputError(
            f"The prompt is too long for this model's window ({message}): shorten it or ask "
            "for fewer new tokens."
        )
    if error.get("code") == 400 or error.get("type") == "invalid_request_error":
        raise InvalidInputError(f"llama.cpp refused the request: {message}.")
    raise ModelUnavailableError(f"llama.cpp failed: {message}.")


def sampling_body(
    settings: SamplingSettings, seed: int, n_probs: int, after_sampler: bool
) -> dict[str, Any]:
    """llama.cpp request fields for the playground's sampler settings (same chain, same rules)."""
    return {
        "max_tokens": settings.max_new_tokens,
        "temperature": settings.temperature,  # 0: greedy
        "top_k": settings.top_k,  # 0: off, as here
        "top_p": settings.top_p,
        "min_p": 0.0,  # llama.cpp's default 0.05 would cut tokens our sampler keeps
        "typical_p": 1.0,
        "repeat_penalty": settings.repetition_penalty,
        "repeat_last_n": SLOT_CONTEXT,  # every earlier token (prompt too), as next_token.py
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "samplers": SAMPLERS,
        "seed": seed,
        "n_probs": n_probs,
        "post_sampling_probs": after_sampler,
        "cache_prompt": True,
    }


def _entry_probability(entry: dict[str, Any]) -> float | None:
    if "prob" in entry:
        return float(entry["prob"])
    if "logprob" in entry:
        return math.exp(float(entry["logprob"]))
    return None


def _choice(entry: dict[str, Any], after_sampler: bool) -> TokenChoice:
    value = _entry_probability(entry)
    return TokenChoice(
        token=_entry_text(entry),
        token_id=entry.get("id"),
        probability=None if after_sampler else value,
        sampler_probability=value if after_sampler else None,
    )


def _entry_text(entry: dict[str, Any]) -> str:
    raw = entry.get("bytes")
    if isinstance(raw, list):
        return bytes(raw).decode("utf-8", errors="replace")
    return str(entry.get("token", ""))


def tokens_from_chunk(chunk: dict[str, Any], after_sampler: bool) -> tuple[str, list, str | None]:
    """(text, tokens, finish_reason) of one streamed chunk, chat or plain."""
    choice = (chunk.get("choices") or [{}])[0]
    text = choice.get("text")
    if text is None:
        text = (choice.get("delta") or {}).get("content") or ""
    entries = (choice.get("logprobs") or {}).get("content") or []
    pieces = split_piece(text, [_entry_text(e) for e in entries])
    tokens = []
    for entry, piece in zip(entries, pieces, strict=True):
        own = _choice(entry, after_sampler)
        top = entry.get("top_probs" if after_sampler else "top_logprobs") or []
        tokens.append(
            StreamedToken(
                piece=piece,
                token=own.token,
                token_id=own.token_id,
                probability=own.probability,
                sampler_probability=own.sampler_probability,
                alternatives=tuple(_choice(alt, after_sampler) for alt in top),
            )
        )
    return text, tokens, choice.get("finish_reason")


class LlamaCppBackend:
    """The TextBackend on an in-process llama.cpp engine (one model: the GGUF's)."""

    kind = "llamacpp"

    def __init__(
        self, engine: LlamaCppEngine, gguf: GgufFile, extra: dict[str, Any] | None = None
    ) -> None:
        self.engine = engine
        self.gguf = gguf
        self.extra = dict(extra or {})  # more llama.cpp request fields (bench: ignore_eos)
        self.label = f"llama.cpp in-process ({gguf.path.name}, {gguf.origin}, {engine.slots} slots)"

    def models(self) -> list[str]:
        return [self.gguf.model]

    def capabilities(self) -> Capabilities:
        return Capabilities(
            token_probabilities=True,
            sampler_probabilities=True,
            next_token=True,
            top_k=True,
            repetition_penalty=True,
            exact_fp32=False,
            adapters=False,
            max_alternatives=MAX_PROBS,
        )

    def _check_model(self, model: str | None) -> None:
        if model not in (None, "", self.gguf.model):
            raise InvalidInputError(
                f"llama.cpp here serves {self.gguf.model} only, not {shown_value(model)}: pick it, "
                "or choose the transformers backend for other models."
            )

    def _prompt_body(self, request: TextRequest) -> tuple[dict[str, Any], bool]:
        """The prompt part of a request, and whether it goes to the chat handler."""
        if request.prompt_ids:
            return {"prompt": list(request.prompt_ids)}, False
        prompt = check_prompt(request.prompt)
        if request.chat:
            return {"messages": [{"role": "user", "content": prompt}]}, True
        return {"prompt": prompt}, False

    def generate(
        self, request: TextRequest, stop: threading.Event | None = None
    ) -> Iterator[TextRun]:
        self._check_model(request.model)
        prompt, chat = self._prompt_body(request)
        seed = seed_for(request.settings)
        n_probs = max(1, min(request.alternatives, MAX_PROBS))
        body = {
            **prompt,
            **sampling_body(request.settings, seed, n_probs, request.after_sampler),
            **self.extra,
        }
        run = TextRun(
            backend=self.label,
            model=self.gguf.model,
            seed=seed,
            prompt_ids=list(request.prompt_ids) if request.prompt_ids else None,
            probability_source=f"llama.cpp ({self.gguf.path.name}), "
            + ("after the sampler" if request.after_sampler else "before the sampler"),
        )
        started = time.perf_counter()
        run.stop_reason = "max new tokens"
        held: list[StreamedToken] = []
        for chunk in self.engine.stream(body, lambda: stop_requested(stop), chat=chat):
            text, tokens, finish = tokens_from_chunk(chunk, request.after_sampler)
            held, grew = absorb_chunk(run, held, text, tokens, finish, started)
            if grew:
                yield run
        if stop_requested(stop):
            run.stop_reason = "stopped"
        finish_run(run, held, started)
        yield run

    def next_token(self, request: TextRequest, count: int) -> NextTokens:
        """The most likely next tokens: the model's probabilities, and after the sampler (a second
        request on the cached prompt, so nearly free)."""
        self._check_model(request.model)
        prompt, chat = self._prompt_body(request)
        count = max(1, min(count, MAX_PROBS))
        one = dataclasses.replace(request.settings, max_new_tokens=1)
        seed = seed_for(one)
        before = self.engine.request({**prompt, **sampling_body(one, seed, count, False)}, chat)
        after = self.engine.request({**prompt, **sampling_body(one, seed, count, True)}, chat)
        model_top = _first_top(before, "top_logprobs")
        sampler_top = _first_top(after, "top_probs")
        sampler = {e.get("id"): float(e["prob"]) for e in sampler_top}
        complete_kept = len(sampler_top) < count  # every token the sampler keeps is listed
        choices = []
        for entry in model_top:
            token_id = entry.get("id")
            value = sampler.get(token_id, 0.0 if complete_kept else None)
            choices.append(
                TokenChoice(
                    token=_entry_text(entry),
                    token_id=token_id,
                    probability=_entry_probability(entry),
                    sampler_probability=value,
                )
            )
        usage = before.get("usage") or {}
        return NextTokens(
            prompt_tokens=usage.get("prompt_tokens"),
            choices=choices,
            source=f"llama.cpp ({self.gguf.path.name})",
        )

    def close(self) -> None:
        self.engine.close()


def _first_top(reply: dict[str, Any], key: str) -> list[dict[str, Any]]:
    choice = (reply.get("choices") or [{}])[0]
    content = (choice.get("logprobs") or {}).get("content") or [{}]
    return list(content[0].get(key) or [])


_engines: dict[Path, LlamaCppEngine] = {}
_engines_lock = threading.Lock()


def shared_engine(gguf: Path, slots: int | None = None) -> LlamaCppEngine:
    """The process's engine for a GGUF file, started on first use (about a second)."""
    with _engines_lock:
        engine = _engines.get(gguf)
        if engine is None:
            slots = slots or env_int("PLAYGROUND_LLAMACPP_SLOTS", DEFAULT_SLOTS, 1, 64)
            threads = env_int("PLAYGROUND_LLAMACPP_THREADS", os.cpu_count() or 1, 1, 256)
            engine = LlamaCppEngine(gguf, slots=slots, threads=threads)
            _engines[gguf] = engine
        return engine
