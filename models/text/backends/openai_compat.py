"""Any OpenAI-compatible server as the Text tab's engine: vLLM, llama.cpp's llama-server, Ollama,
Hugging Face Inference Providers. For a lecture hall or a model bigger than one CPU box.

Configured by the environment (documented in the README):
- ``PLAYGROUND_OPENAI_BASE_URL``: e.g. ``http://127.0.0.1:8000/v1`` (required);
- ``PLAYGROUND_OPENAI_MODEL``: the server's model id (default: the first model it lists);
- ``PLAYGROUND_OPENAI_API_KEY``: sent as a bearer token (optional);
- ``PLAYGROUND_OPENAI_TIMEOUT``: seconds of silence before giving up (default 60).

Chat mode uses ``/chat/completions`` (the server applies its model's chat template), plain mode
``/completions``. Temperature, top-p, max tokens and seed are standard; top-k and repetition
penalty go as extra fields under the names vLLM and llama.cpp read (``top_k``,
``repetition_penalty``, ``repeat_penalty``), and a server that refuses extra fields is asked again
without them, with a notice. ``top_logprobs`` colour the tokens and give the alternatives: those are
the server's model's probabilities before its sampler; a server that sends none still generates,
and the run says so. Every call has bounded timeouts and no retries, so a server that is down,
slow or dies mid-answer gives one sentence instead of a hang.

Not here: choosing this backend (selection.py); the in-process llama.cpp engine (llamacpp.py).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

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
from models.text.backends.llamacpp import SAMPLERS, SLOT_CONTEXT, tokens_from_chunk

DEFAULT_TIMEOUT = 60.0  # a busy hall server may take a while for its first token
CONNECT_TIMEOUT = 5.0
MAX_TOP_LOGPROBS = 20  # the OpenAI API's limit (Ollama's and vLLM's default too)
NO_LOGPROBS = "This server sent no token probabilities, so the tokens are not coloured."
NO_EXTRAS = "This server does not take top-k or repetition penalty; they were not applied."


@dataclass(frozen=True)
class OpenAIConfig:
    """Where the server is and how to talk to it."""

    base_url: str
    model: str | None = None  # None: the first model the server lists
    api_key: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OpenAIConfig:
        env = os.environ if environ is None else environ
        base_url = env.get("PLAYGROUND_OPENAI_BASE_URL", "").strip().rstrip("/")
        if not base_url:
            raise InvalidInputError(
                "PLAYGROUND_TEXT_BACKEND=openai needs PLAYGROUND_OPENAI_BASE_URL, e.g. "
                "http://127.0.0.1:8000/v1."
            )
        parsed = urlparse(base_url)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise InvalidInputError(
                f"PLAYGROUND_OPENAI_BASE_URL must be an http(s) URL such as "
                f"http://127.0.0.1:8000/v1, not {base_url}."
            )
        raw_timeout = env.get("PLAYGROUND_OPENAI_TIMEOUT", "").strip()
        try:
            timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 3600:
            raise InvalidInputError(
                f"PLAYGROUND_OPENAI_TIMEOUT must be seconds from 0 to 3600, not {raw_timeout}."
            )
        return cls(
            base_url=base_url,
            model=env.get("PLAYGROUND_OPENAI_MODEL", "").strip() or None,
            api_key=env.get("PLAYGROUND_OPENAI_API_KEY", "").strip() or None,
            timeout=timeout,
        )


class OpenAICompatBackend:
    """The TextBackend on a remote OpenAI-compatible server. Checks the server at construction:
    down, unreachable or without the configured model raises ModelUnavailableError."""

    kind = "openai"

    def __init__(self, config: OpenAIConfig) -> None:
        import openai

        self.config = config
        self._openai = openai
        self.client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "none",  # local servers want no key; the client wants one
            timeout=openai.Timeout(config.timeout, connect=min(CONNECT_TIMEOUT, config.timeout)),
            max_retries=0,  # a retry would double every timeout the user waits through
        )
        self._extras_ok = True
        self._lock = threading.Lock()
        self._models = self._list_models()
        if not self._models:
            raise ModelUnavailableError(f"The server at {config.base_url} lists no models.")
        self.model = config.model or self._models[0]
        self._check_model(self.model)
        self.label = f"OpenAI-compatible server {urlparse(config.base_url).netloc} ({self.model})"

    # -- models ----------------------------------------------------------------------------
    def _list_models(self) -> list[str]:
        try:
            return [m.id for m in self.client.models.list()]
        except Exception as error:
            raise self._explain(error, "listing its models") from error

    def models(self) -> list[str]:
        """The server's models, the configured default first."""
        return [self.model, *(m for m in self._models if m != self.model)]

    def _check_model(self, model: str) -> None:
        if model in self._models:
            return
        self._models = self._list_models()  # it may have loaded one since we asked
        if model not in self._models:
            raise ModelUnavailableError(
                f"The server at {self.config.base_url} has no model '{model}'; it serves: "
                f"{', '.join(self._models) or 'none'}. Set PLAYGROUND_OPENAI_MODEL to one of them."
            )

    def capabilities(self) -> Capabilities:
        return Capabilities(
            token_probabilities=True,  # when the server sends them (see NO_LOGPROBS)
            sampler_probabilities=False,
            next_token=True,
            top_k=self._extras_ok,
            repetition_penalty=self._extras_ok,
            exact_fp32=False,
            adapters=False,
            max_alternatives=MAX_TOP_LOGPROBS,
        )

    # -- errors ----------------------------------------------------------------------------
    def _explain(self, error: Exception, doing: str) -> Exception:
        """One sentence for a failed call, naming the server and what to do."""
        url = self.config.base_url
        openai = self._openai
        if isinstance(error, openai.APITimeoutError):
            return ModelUnavailableError(
                f"The server at {url} did not answer within {self.config.timeout:g} s while "
                f"{doing}: it is overloaded or stuck (PLAYGROUND_OPENAI_TIMEOUT sets the wait)."
            )
        if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
            return ModelUnavailableError(
                f"The server at {url} refused the API key while {doing}: set "
                "PLAYGROUND_OPENAI_API_KEY to a key it accepts."
            )
        if isinstance(error, openai.NotFoundError):
            return ModelUnavailableError(
                f"The server at {url} answered 404 while {doing}: check that "
                "PLAYGROUND_OPENAI_BASE_URL ends in /v1 and that the model id exists there."
            )
        if isinstance(error, openai.APIStatusError):
            detail = _short(getattr(error, "message", "") or str(error))
            return ModelUnavailableError(
                f"The server at {url} answered {error.status_code} while {doing}: {detail}"
            )
        if isinstance(error, openai.APIConnectionError):
            return ModelUnavailableError(
                f"Cannot reach the server at {url} while {doing}: start it, or fix "
                "PLAYGROUND_OPENAI_BASE_URL."
            )
        return ModelUnavailableError(
            f"The connection to {url} broke while {doing} ({type(error).__name__}): the server "
            "may have stopped; try again once it is back."
        )

    # -- requests --------------------------------------------------------------------------
    def _create(self, request: TextRequest, model: str, seed: int, top: int, max_tokens: int):
        """Open a stream; a server that refuses our extra fields or logprobs is asked again
        without them. Returns (stream, notices)."""
        prompt = check_prompt(request.prompt)
        settings = request.settings
        notices: list[str] = []
        want_logprobs = top > 0
        for _ in range(3):
            args: dict[str, Any] = {
                "model": model,
                "max_tokens": max_tokens,
                "temperature": settings.temperature,
                "top_p": settings.top_p,
                "seed": seed,
                "stream": True,
            }
            if self._extras_ok:
                args["extra_body"] = extra_fields(request)
            if request.chat:
                args["messages"] = [{"role": "user", "content": prompt}]
                if want_logprobs:
                    args.update(logprobs=True, top_logprobs=top)
                create = self.client.chat.completions.create
            else:
                args["prompt"] = prompt
                if want_logprobs:
                    args["logprobs"] = top
                create = self.client.completions.create
            try:
                return create(**args), notices
            except self._openai.BadRequestError as error:
                text = str(error).lower()
                if self._extras_ok and any(k in text for k in ("top_k", "repetition", "extra")):
                    self._extras_ok = False
                    notices.append(NO_EXTRAS)
                elif want_logprobs and "logprob" in text:
                    want_logprobs = False
                    notices.append(NO_LOGPROBS)
                else:
                    raise InvalidInputError(
                        f"The server at {self.config.base_url} refused the request: "
                        f"{_short(getattr(error, 'message', '') or str(error))}"
                    ) from error
            except Exception as error:
                raise self._explain(error, "starting the answer") from error
        raise InvalidInputError(f"The server at {self.config.base_url} refused the request.")

    def generate(
        self, request: TextRequest, stop: threading.Event | None = None
    ) -> Iterator[TextRun]:
        model = request.model or self.model
        self._check_model(model)
        seed = seed_for(request.settings)
        top = max(0, min(request.alternatives, MAX_TOP_LOGPROBS))
        run = TextRun(backend=self.label, model=model, seed=seed)
        started = time.perf_counter()
        stream, notices = self._create(request, model, seed, top, request.settings.max_new_tokens)
        finish: str | None = None
        held: list[StreamedToken] = []
        try:
            for chunk in stream:
                if stop_requested(stop):
                    break
                data = chunk.to_dict() if hasattr(chunk, "to_dict") else dict(chunk)
                if not data.get("choices"):
                    continue  # a usage-only chunk
                text, tokens, reason = parse_chunk(data)
                finish = reason or finish
                held, grew = absorb_chunk(run, held, text, tokens, reason, started)
                if grew:
                    yield run
        except Exception as error:
            doing = f"streaming the answer (after {len(run.tokens)} tokens)"
            raise self._explain(error, doing) from error
        finally:
            stream.close()  # on Stop too: the server sees the closed connection and cancels
        if stop_requested(stop):
            run.stop_reason = "stopped"
        elif finish is None:
            raise ModelUnavailableError(
                f"The server at {self.config.base_url} stopped answering after "
                f"{len(run.tokens)} tokens without finishing: it may have crashed; try again."
            )
        if run.tokens and not run.has_probabilities and NO_LOGPROBS not in notices:
            notices.append(NO_LOGPROBS)
        where = f"{model} on {urlparse(self.config.base_url).netloc}"
        run.probability_source = f"{where}, before the sampler" if run.has_probabilities else ""
        run.notice = " ".join(notices)
        finish_run(run, held, started)
        yield run

    def next_token(self, request: TextRequest, count: int) -> NextTokens:
        """The server's most likely next tokens (its model's probabilities; no sampler view)."""
        model = request.model or self.model
        self._check_model(model)
        top = max(1, min(count, MAX_TOP_LOGPROBS))
        stream, notices = self._create(request, model, seed_for(request.settings), top, 1)
        choices = []
        try:
            for chunk in stream:
                data = chunk.to_dict() if hasattr(chunk, "to_dict") else dict(chunk)
                _, tokens, _ = parse_chunk(data) if data.get("choices") else ("", [], None)
                if tokens:
                    choices = list(tokens[0].alternatives)
                    break
        except Exception as error:
            raise self._explain(error, "asking for the next token") from error
        finally:
            stream.close()
        if not choices and NO_LOGPROBS not in notices:
            notices.append(NO_LOGPROBS)
        where = f"{model} on {urlparse(self.config.base_url).netloc}"
        return NextTokens(None, choices, where, " ".join(notices))

    def close(self) -> None:
        self.client.close()


def extra_fields(request: TextRequest) -> dict[str, Any]:
    """Sampler fields outside the OpenAI API, under the names vLLM and llama.cpp read; others
    ignore them. ``top_k`` -1 is "off" for both (0 is not accepted by every vLLM release)."""
    settings = request.settings
    return {
        "top_k": settings.top_k if settings.top_k > 0 else -1,
        "repetition_penalty": settings.repetition_penalty,  # vLLM
        "repeat_penalty": settings.repetition_penalty,  # llama.cpp
        "repeat_last_n": SLOT_CONTEXT,  # llama.cpp: every earlier token, as the playground does
        "min_p": 0.0,
        "samplers": SAMPLERS,  # llama.cpp: the playground's sampler order
    }


def parse_chunk(data: dict[str, Any]) -> tuple[str, list[StreamedToken], str | None]:
    """(text, tokens, finish_reason) of a chunk in either logprobs format: the chat/llama.cpp
    ``content`` list, or the legacy completions ``tokens``/``top_logprobs`` lists (vLLM)."""
    choice = data["choices"][0]
    logprobs = choice.get("logprobs") or {}
    if "tokens" in logprobs and "content" not in logprobs:
        text = choice.get("text") or ""
        names = list(logprobs.get("tokens") or [])
        values = list(logprobs.get("token_logprobs") or [None] * len(names))
        tops = list(logprobs.get("top_logprobs") or [None] * len(names))
        tokens = []
        for name, value, top, piece in zip(
            names, values, tops, split_piece(text, names), strict=False
        ):
            alternatives = sorted((top or {}).items(), key=lambda kv: -kv[1])
            tokens.append(
                StreamedToken(
                    piece=piece,
                    token=name,
                    probability=None if value is None else math.exp(value),
                    alternatives=tuple(
                        TokenChoice(token=t, probability=math.exp(v)) for t, v in alternatives
                    ),
                )
            )
        return text, tokens, choice.get("finish_reason")
    return tokens_from_chunk(data, after_sampler=False)


def _short(text: str) -> str:
    line = (text.strip().splitlines() or [""])[0][:200]
    return line if line.endswith(".") else line + "."
