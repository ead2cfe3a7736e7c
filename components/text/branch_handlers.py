"""Handlers of the Text tab's inside views: branch a finished text at a token, and sample N
continuations (why this token is in components/text/why_handlers.py). Plain functions from widget
values to results; layout and wiring are in components/text/inside_panel.py, the math in
models/text/branching.py.

A finished generation leaves a *run context* in the session (``run_context``): the model, the
prompt, chat mode, the sampler settings with the seed actually used, and the token ids. A branch
reuses it, so "same seed and settings" holds without the user copying a number.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from components import exports
from components.text import plots
from components.text.engine import engine_for, short_label
from components.text.handlers import model_or_default
from models.errors import InvalidInputError
from models.registry import Registry
from models.sentences import paragraphs, sentence
from models.text.branching import Branch, SampleSet, ScoredText, branch_generation, sample_n
from models.text.generation import SamplingSettings
from models.text.view_input import load_decoder
from models.validation import MAX_SEED

BRANCH_IDEA = (
    "**Branching.** At every token the model had other options. Pick one of them and let it "
    "continue with the same seed and settings: everything after that point can change, because "
    "each token is written from all the tokens before it. The branch is as long as the original, "
    "and the two are compared per token: the mean ln p of their tokens (closer to 0 = the model "
    "found them more likely)."
)
SAMPLE_IDEA = (
    "**Sample N.** The same prompt with seeds s, s+1, …: at temperature 0 every run is the same "
    "text; the higher the temperature, the more the texts differ."
)
SAMPLE_HEADERS = ["seed", "text", "tokens", "log-probability", "perplexity"]
EXACT = "fp32"  # the run context's engine when the exact path wrote the text


def run_context(
    model: str,
    prompt: str,
    chat: bool,
    settings: SamplingSettings,
    engine: str,
    records: list[dict[str, Any]],
) -> dict[str, Any]:
    """What a branch needs of a finished run (JSON-able, kept in the session)."""
    return {
        "model": model,
        "prompt": prompt,
        "chat": bool(chat),
        "settings": asdict(settings),
        "engine": engine,
        "ids": [int(r["token_id"]) for r in records if r.get("token_id") is not None],
    }


def context_of_run(
    registry: Registry, model: Any, prompt: str, chat: bool, fast: bool,
    sampling: SamplingSettings, records: list[dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """The run context of a generation the Text tab just finished (``sampling`` with the seed
    it used)."""
    name = model_or_default(registry, model)
    return run_context(name, prompt, chat, sampling, writer_of(registry, name, fast), records)


def resolved_seed(seed: int | None) -> int:
    """A random seed (None) becomes a concrete one before generating, so a branch can reuse it."""
    return secrets.randbelow(MAX_SEED + 1) if seed is None else seed


def writer_of(registry: Registry, model: str, fast: bool) -> str:
    """Which engine writes a run: the fast engine's name, or EXACT for the fp32 path."""
    backend = engine_for(registry, model, bool(fast))
    return EXACT if backend is None else short_label(backend)


def settings_of(context: dict[str, Any]) -> SamplingSettings:
    return SamplingSettings.checked(**context["settings"])


def need_run(context: Any) -> dict[str, Any]:
    if not isinstance(context, dict) or not context.get("ids"):
        raise InvalidInputError(
            sentence(
                "Generate a text first (with the base model), then click one of its tokens to "
                "branch."
            )
        )
    return context


def alternative_choices(records: list[dict[str, Any]] | None, index: Any) -> list[tuple[str, int]]:
    """(label, token id) of the picked token's alternatives, the token itself first."""
    if not records or not isinstance(index, int) or not 0 <= index < len(records):
        return []
    record = records[index]
    ids = record.get("alternative_ids") or []
    rows = record.get("alternatives") or []
    choices = []
    for row, token_id in zip(rows, ids, strict=False):
        mark = " (the original)" if token_id == record.get("token_id") else ""
        choices.append((f"{row[0]!r} · {plots.percent(row[1])}{mark}", int(token_id)))
    return choices


def demo_branch_point(records: list[dict[str, Any]] | None) -> tuple[int, int]:
    """(index, alternative id) for the branching demo: the first token the model gave under 50%,
    and its most likely alternative other than the token itself."""
    if not records:
        raise InvalidInputError(sentence("Generate a text first: the demo branches from it."))
    # after the first few tokens where possible: a branch that shares a prefix shows more
    unsure = [i for i, r in enumerate(records) if (r.get("probability") or 1.0) < 0.5]
    later = [i for i in unsure if i >= 3]
    for index in later or unsure or range(len(records)):
        others = [c for c in alternative_choices(records, index) if "(the original)" not in c[0]]
        if others:
            return index, others[0][1]
    raise InvalidInputError(
        sentence("This text has no alternatives to branch to; generate another one.")
    )


def picked_markdown(records: list[dict[str, Any]] | None, index: Any) -> str:
    if not records or not isinstance(index, int) or not 0 <= index < len(records):
        return sentence("Click a token of the coloured text above to branch from it or explain it.")
    return sentence(
        "Picked token {n}: **{token}**. Choose an alternative and press *Branch from here*, or "
        "press *Explain the token I picked*.",
        n=index + 1,
        token=repr(records[index]["token"]),
    )


def _marked(text: ScoredText, index: int, tokenizer: Any) -> list[tuple[str, str | None]]:
    """The text as pieces: shared prefix unmarked, the branch point and what follows marked.
    Decoded as prefixes (a token alone can lose the space or the bytes it shares with its
    neighbours), so the pieces join up to exactly the text."""
    ids = list(text.token_ids)

    def decoded(upto: int) -> str:
        return tokenizer.decode(ids[:upto], skip_special_tokens=True)

    before, through, whole = decoded(index), decoded(index + 1), text.text
    if not (through.startswith(before) and whole.startswith(through)):
        return [(whole, None)]  # a decoding that is not prefix-stable: show the text plain
    marked: list[tuple[str, str | None]] = [(before, None)] if before else []
    if index < len(ids):
        marked.append((through[len(before) :], "branch point"))
        if whole[len(through) :]:
            marked.append((whole[len(through) :], "after the branch"))
    return marked


def _scores(text: ScoredText) -> dict[str, Any]:
    return {
        "count": len(text.token_log_probs),
        "logp": f"{text.log_probability:.2f}",
        "ppl": f"{text.perplexity:.2f}",
        "seed": text.seed,
    }


def mean_log_probability(text: ScoredText) -> float:
    """ln p per token: texts of different lengths compare fairly (a total grows more negative
    with every token, so a longer text always looks less likely by its total)."""
    return text.log_probability / len(text.token_log_probs) if text.token_log_probs else 0.0


def per_token_verdict(branch: Branch) -> str:
    original, taken = mean_log_probability(branch.original), mean_log_probability(branch.branch)
    said = {"branch": f"{taken:.2f}", "original": f"{original:.2f}"}
    if abs(taken - original) < 0.005:
        return sentence(
            "Per token the model finds both about as likely (mean ln p {branch} and {original}).",
            **said,
        )
    if taken > original:
        return sentence(
            "Per token the model finds the branch more likely: mean ln p {branch} against "
            "{original} for the original.",
            **said,
        )
    return sentence(
        "Per token the model finds the branch less likely: mean ln p {branch} against "
        "{original} for the original.",
        **said,
    )


def branch_summary(branch: Branch, engine: str) -> str:
    return paragraphs(
        sentence(
            "Branched at token {n}. **Original**: {count} tokens, total log-probability "
            "**{logp}** (perplexity {ppl}), seed {seed}",
            n=branch.index + 1, **_scores(branch.original),
        ),
        sentence(
            "**Branch**: {count} tokens, total log-probability **{logp}** (perplexity {ppl}), "
            "seed {seed}, stopped: {reason}.",
            reason=sentence(branch.branch.stop_reason), **_scores(branch.branch),
        ),
        per_token_verdict(branch),
        ""
        if engine == EXACT
        else sentence(
            "The original was written by {engine}; the branch by the exact fp32 model with the "
            "same seed and settings. The two compute with different weights (the fast engine's "
            "are quantized to 4 bits), so even at temperature 0 they can pick different tokens "
            "after the swap: untick *Fast engine* for a branch that differs only by the swapped "
            "token.",
            engine=engine,
        ),
        branch.notice,
    )  # fmt: skip


def branch_from_run(
    registry: Registry, context: Any, index: Any, alternative_id: Any
) -> tuple[str, list, list, dict[str, Any]]:
    """(summary, original pieces, branch pieces, the API's payload for the export)."""
    context = need_run(context)
    if alternative_id is None:
        raise InvalidInputError(sentence("Pick an alternative from the list first, then branch."))
    if not isinstance(index, int):
        raise InvalidInputError(
            sentence("Click a token of the coloured text first, then branch from it.")
        )
    _, lm = load_decoder(registry, context["model"], "branching")
    branch = branch_generation(
        lm,
        context["prompt"],
        settings_of(context),
        context["ids"],
        index,
        alternative_id,
        chat=context["chat"],
    )
    return (
        branch_summary(branch, context["engine"]),
        _marked(branch.original, branch.index, lm.tokenizer),
        _marked(branch.branch, branch.index, lm.tokenizer),
        branch_payload(branch),
    )


def scored_payload(text: ScoredText) -> dict[str, Any]:
    return {
        "seed": text.seed,
        "text": text.text,
        "token_ids": list(text.token_ids),
        "token_log_probabilities": list(text.token_log_probs),
        "log_probability": text.log_probability,
        "mean_log_probability": mean_log_probability(text),
        "perplexity": text.perplexity,
        "stop_reason": text.stop_reason,
    }


def branch_payload(branch: Branch) -> dict[str, Any]:
    return {
        "index": branch.index,
        "alternative_id": branch.alternative_id,
        "alternatives": [
            {"token_id": a.token_id, "probability": a.model_probability}
            for a in branch.alternatives
        ],
        "original": scored_payload(branch.original),
        "branch": scored_payload(branch.branch),
        "notice": branch.notice,
    }


def json_export(payload: Any, name: str) -> Any:
    """The last result of a view as a JSON file (what its API endpoint returns)."""
    if not payload:
        raise InvalidInputError("Nothing to export yet: run the view first.")
    return exports.shown([exports.write_json(payload, exports.export_dir("text") / name)])


def sample_rows(samples: SampleSet) -> list[list[Any]]:
    return [
        [s.seed, s.text, len(s.token_ids), round(s.log_probability, 3), round(s.perplexity, 3)]
        for s in samples.samples
    ]


def sample_summary(samples: SampleSet, temperature: float) -> str:
    n = len(samples.samples)
    seconds = sum(s.seconds for s in samples.samples)
    fields = {"distinct": samples.distinct, "n": n, "temperature": f"{temperature:g}",
              "first": samples.base_seed, "last": samples.base_seed + n - 1,
              "seconds": f"{seconds:.1f}"}  # fmt: skip
    if temperature == 0:
        text = sentence(
            "**{distinct} different texts out of {n}** at temperature {temperature} (seeds "
            "{first}–{last}, {seconds} s in all). At temperature 0 the sampler always takes the "
            "most likely token: one text.",
            **fields,
        )
    else:
        text = sentence(
            "**{distinct} different texts out of {n}** at temperature {temperature} (seeds "
            "{first}–{last}, {seconds} s in all).",
            **fields,
        )
    return paragraphs(text, samples.notice)


def sample_texts(
    registry: Registry,
    model: str,
    prompt: str,
    chat: bool,
    settings: SamplingSettings,
    n: Any,
    on_sample: Callable[[int, int], None] | None = None,
) -> SampleSet:
    _, lm = load_decoder(registry, model, "sample N")
    return sample_n(lm, prompt, settings, n, chat=bool(chat), on_sample=on_sample)


def samples_csv(rows: Any) -> Any:
    rows = exports.table_rows(rows)
    if not rows:
        return None
    path = exports.write_csv(SAMPLE_HEADERS, rows, exports.export_dir("text") / "samples.csv")
    return exports.shown([path])
