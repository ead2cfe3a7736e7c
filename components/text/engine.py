"""The Text tab on a text engine: llama.cpp in-process or an OpenAI-compatible server
(models/text/backends/). Plain functions the tab's handlers call when the fast engine writes.

Which engine writes: the process's backend choice (``text_backend``), for the models it serves,
when "Fast engine" is ticked; everything else (another registry model, exact fp32, this session's
fine-tuned model) stays on transformers in components/text/handlers.py.

Whose probabilities are shown: for a model whose fp32 weights are here (the built-in SmolLM2,
which llama.cpp serves from the GGUF those weights came from), one fp32 pass rescores the finished
text, so the colours, alternatives and explorer all use the same numbers; for a model only a
server has, the server's ``top_logprobs``, and the status says so. A server that returns no
probabilities still writes, and the tab says why nothing is coloured.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from components.eta import left_piece
from components.text import plots
from models.registry import Registry
from models.sentences import joined, paragraphs, sentence
from models.text.backends.base import StreamedToken, TextBackend, TextRequest, TextRun, readable
from models.text.backends.selection import BackendChoice, text_backend
from models.text.backends.transformers_fp32 import fp32_scores
from models.text.generation import SamplingSettings, prepare_prompt

Update = tuple[str, str, list[tuple[str, str]] | None, list[dict[str, Any]]]


def engine_for(registry: Registry, model_name: str, fast: bool) -> TextBackend | None:
    """The engine that writes for ``model_name``, or None for the transformers path."""
    if not fast:
        return None
    backend = text_backend(registry).backend
    if backend.kind == "transformers" or model_name not in backend.models():
        return None
    return backend


def model_choices(registry: Registry, choice: BackendChoice) -> list[tuple[str, str]]:
    """The Text tab's model picker: the registry's language models, then any model only the
    engine serves (an OpenAI-compatible server's), named with where it runs."""
    own = registry.choices("causal-lm")
    known = {name for _, name in own}
    remote = [
        (f"{name} (on {choice.backend.label})", name)
        for name in choice.backend.models()
        if name not in known
    ]
    return remote + own if choice.backend.kind == "openai" else own + remote


def default_model(registry: Registry, choice: BackendChoice) -> str | None:
    if choice.backend.kind == "openai" and not choice.fell_back:
        return choice.backend.models()[0]
    return registry.default_or_none("causal-lm")


def short_label(backend: TextBackend) -> str:
    """The engine as the status line names it (the full label is under the model picker)."""
    if backend.kind == "openai":
        return f"server {backend.config.base_url}"  # type: ignore[attr-defined]
    return "llama.cpp in-process" if backend.kind == "llamacpp" else backend.label


def records_of(tokens: list[StreamedToken]) -> list[dict[str, Any]]:
    """The tab's per-token records (components/text/plots.py ``token_records`` shape)."""
    return [{"token_id": t.token_id, **t.record()} for t in tokens]


def generate_on_engine(
    registry: Registry,
    backend: TextBackend,
    model_name: str,
    prompt: str,
    settings: SamplingSettings,
    chat: bool,
    stop: threading.Event,
) -> Iterator[Update]:
    """Stream (text, status, coloured tokens, records) as the engine writes."""
    local = model_name in registry.names("causal-lm")
    lm = registry.load(model_name, kind="causal-lm") if local else None
    prompt_ids, notice = None, ""
    if lm is not None and backend.kind == "llamacpp":
        # Our tokenizer and chat template: the engine's tokens then line up with the fp32 model's.
        prepared = prepare_prompt(lm, prompt, chat, settings.max_new_tokens)
        prompt_ids, notice = prepared.ids, prepared.notice
    request = TextRequest(prompt, settings, chat, model=model_name, prompt_ids=prompt_ids)
    run: TextRun | None = None
    for run in backend.generate(request, stop):
        run.notice = run.notice or notice
        if not run.finished:
            left = left_piece(len(run.tokens), settings.max_new_tokens, run.seconds)
            status = plots.status_line(run, short_label(backend), left=left, streaming=True)
            yield run.text, status, None, []
    assert run is not None
    status = plots.status_line(run, short_label(backend))
    if not run.tokens:
        yield run.text, paragraphs(status, plots.ENDED_AT_ONCE), [], []
        return
    if lm is not None and run.prompt_ids is not None:
        yield run.text, paragraphs(status, plots.SCORING), None, []
        records = records_of(fp32_scores(lm, run, settings))
        source = sentence("the fp32 model (transformers)")
    else:
        records = records_of(run.tokens)
        source = run.probability_source
    if not run.has_probabilities and (lm is None or run.prompt_ids is None):
        status = paragraphs(status, sentence(
            "⚠️ The server sent no token probabilities, so the text cannot be coloured: start it "
            "with logprobs allowed (vLLM: `--max-logprobs 20`) to see them."
        ))  # fmt: skip
    else:
        status = joined(" · ", status, sentence("probabilities: {source}", source=source))
    yield run.text, status, plots.highlighted(records), records


def next_tokens_on_engine(
    backend: TextBackend, model_name: str, prompt: str, settings: SamplingSettings, chat: bool,
    count: int,
) -> tuple[str, list[tuple[str, float | None, float | None]]]:  # fmt: skip
    """(summary, rows) of the engine's most likely next tokens (its top list only: a server
    does not return the whole distribution)."""
    found = backend.next_token(TextRequest(prompt, settings, chat, model=model_name), count)
    rows = [(readable(c.token), c.probability, c.sampler_probability) for c in found.choices]
    summary = (
        f"The {len(rows)} most likely next tokens, as {found.source} reports them (a server "
        "returns its top tokens, not the whole distribution)."
    )
    return summary + (f"\n\n⚠️ {found.notice}" if found.notice else ""), rows
