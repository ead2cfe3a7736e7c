"""The transformers fp32 model as a text backend: the exact path.

It stays for "exact fp32", for a session's fine-tuned LoRA adapter
(models/finetune/tuned_generation.py runs on these weights) and for the Attention and Fine-tune
tabs, which need the weights. Generation is models/text/generation.py ``generate`` with the exact
decode loop; once the text is done, one fp32 pass over prompt + output (``score_tokens``) gives
every token its model probability, its probability after the sampler and its alternatives, from the
very distribution it was drawn from.

``fp32_scores`` rescoring a run from another backend with these weights lives here too: where the
in-process llama.cpp engine serves the GGUF these weights were dequantized from, the tab can show
fp32 numbers for llama.cpp's text.

Not here: the decode loop and sampler (models/text/generation.py, models/text/sampler.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from models.errors import InvalidInputError
from models.registry import Registry
from models.text.backends.base import (
    Capabilities,
    NextTokens,
    StreamedToken,
    TextRequest,
    TextRun,
    TokenChoice,
)
from models.text.causal_lm import CausalLM
from models.text.generation import (
    GeneratedToken,
    Generation,
    SamplingSettings,
    ScoredToken,
    generate,
    next_token_distribution,
    score_tokens,
)
from models.text.sampler import top_alternatives

FP32_SOURCE = "the fp32 model (transformers), before and after the sampler"


def streamed(tokens: list[ScoredToken], tokenizer: Any) -> list[StreamedToken]:
    """fp32 scores as backend tokens (raw token texts; ``readable`` shows them)."""
    return [
        StreamedToken(
            piece=t.piece,
            token=tokenizer.decode([t.token_id]),
            token_id=t.token_id,
            probability=t.probability,
            sampler_probability=t.sampler_probability,
            alternatives=tuple(
                TokenChoice(
                    token=tokenizer.decode([a.token_id]),
                    token_id=a.token_id,
                    probability=a.model_probability,
                    sampler_probability=a.sampler_probability,
                )
                for a in t.alternatives
            ),
        )
        for t in tokens
    ]


def fp32_scores(lm: CausalLM, run: TextRun, settings: SamplingSettings) -> list[StreamedToken]:
    """Rescore a finished run of any backend with the fp32 weights: needs its prompt ids and token
    ids (the in-process llama.cpp backend has both when given ``prompt_ids``)."""
    if run.prompt_ids is None or any(t.token_id is None for t in run.tokens):
        raise InvalidInputError(
            "This run has no token ids, so the fp32 model cannot score it: its numbers stay the "
            "engine's."
        )
    generation = Generation(
        seed=run.seed,
        prompt_ids=list(run.prompt_ids),
        tokens=[GeneratedToken(int(t.token_id or 0), t.piece, 0.0) for t in run.tokens],
        text=run.text,
    )
    return streamed(score_tokens(lm, generation, settings), lm.tokenizer)


class TransformersBackend:
    """The TextBackend on the registry's causal LMs, in fp32."""

    kind = "transformers"

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.label = "transformers fp32 (exact)"

    def models(self) -> list[str]:
        default = self.registry.default("causal-lm")
        return [default, *(n for n in self.registry.names("causal-lm") if n != default)]

    def capabilities(self) -> Capabilities:
        return Capabilities(
            token_probabilities=True,
            sampler_probabilities=True,
            next_token=True,
            top_k=True,
            repetition_penalty=True,
            exact_fp32=True,
            adapters=True,
            max_alternatives=50,
        )

    def load(self, model: str | None) -> CausalLM:
        return self.registry.load(model or self.registry.default("causal-lm"), kind="causal-lm")

    def generate(
        self, request: TextRequest, stop: threading.Event | None = None
    ) -> Iterator[TextRun]:
        lm = self.load(request.model)
        run: TextRun | None = None
        generation: Generation | None = None
        for generation in generate(
            lm, request.prompt, request.settings, chat=request.chat, stop=stop
        ):
            if run is None:
                run = TextRun(
                    backend=self.label,
                    model=lm.name,
                    seed=generation.seed,
                    prompt_ids=generation.prompt_ids,
                    notice=generation.notice,
                )
            run.tokens = [
                StreamedToken(
                    piece=t.piece,
                    token=lm.tokenizer.decode([t.token_id]),
                    token_id=t.token_id,
                    sampler_probability=t.sampler_probability,
                )
                for t in generation.tokens
            ]
            run.text, run.stop_reason = generation.text, generation.stop_reason
            run.first_token_seconds, run.seconds = (
                generation.first_token_seconds,
                generation.seconds,
            )
            if not generation.finished:
                yield run
        assert run is not None and generation is not None
        run.phase = "scoring"
        yield run  # the tab can say "scoring…" while the fp32 pass runs
        run.tokens = streamed(
            score_tokens(lm, generation, request.settings, request.alternatives), lm.tokenizer
        )
        run.probability_source = FP32_SOURCE
        run.phase = "done"
        yield run

    def next_token(self, request: TextRequest, count: int) -> NextTokens:
        lm = self.load(request.model)
        distribution = next_token_distribution(lm, request.prompt, request.settings, request.chat)
        choices = [
            TokenChoice(
                token=lm.tokenizer.decode([a.token_id]),
                token_id=a.token_id,
                probability=a.model_probability,
                sampler_probability=a.sampler_probability,
            )
            for a in top_alternatives(distribution.model_probs, distribution.sampler_probs, count)
        ]
        return NextTokens(
            distribution.prompt_tokens, choices, FP32_SOURCE, distribution.notice, complete=True
        )

    def close(self) -> None:
        """Nothing to release: the registry owns the weights."""
