"""The inside views' handlers (components/attention/arithmetic_handlers.py and
lens_handlers.py, components/text/branch_handlers.py and why_handlers.py) against independent
computations: the arithmetic table's softmax column is the heatmap's row, the logit lens's
clicked output cell is the model's own next-token top 5, a branch that keeps the original token
gives back the original, sample N at temperature 0 gives one text, integrated gradients add up;
and every refusal is a sentence."""

from __future__ import annotations

import pytest
import torch

from components.attention import arithmetic_handlers as arithmetic_views
from components.attention import lens_handlers as lens_views
from components.text import branch_handlers as text_views
from components.text import plots
from components.text import why_handlers as why_views
from models.attention.extraction import HeadChoice, extract_attention
from models.attention.head_arithmetic import ArithmeticQuery
from models.builtin import MINILM, SMOLLM2, external_spec
from models.errors import InvalidInputError, PlaygroundError
from models.registry import Registry
from models.text.attribution import AttributionSettings
from models.text.generation import SamplingSettings, generate, score_tokens
from tests.tiny_models import save_tiny_causal_lm

IG16 = AttributionSettings(integration_steps=16)

TEXT = "Alice met Bob at the station. Later, Alice thanked Bob."


@pytest.fixture(scope="module")
def tiny_registry(tmp_path_factory) -> Registry:
    registry = Registry()
    folder = save_tiny_causal_lm(tmp_path_factory.mktemp("inside"), seed=5)
    registry.register(external_spec("causal-lm", str(folder)))
    return registry


@pytest.mark.parametrize("which", ["default", "tiny"])
def test_the_arithmetic_table_is_the_heatmaps_row(real_registry, tiny_registry, which) -> None:
    registry = real_registry if which == "default" else tiny_registry
    name = SMOLLM2 if which == "default" else tiny_registry.names()[0]
    extracted = extract_attention(registry, name, TEXT)
    query = len(extracted.labels) - 2
    layer, head = (16, 0) if which == "default" else (1, 3)
    summary, figure, rows = arithmetic_views.show_arithmetic(
        registry, extracted, name, TEXT, choice=HeadChoice(layer=layer, head=head),
        query=ArithmeticQuery(query=query),
    )  # fmt: skip
    assert len(rows) == query + 1  # the keys the query can see, no future
    heatmap = extracted.attentions[layer, head, query, : query + 1]
    assert [float(r[3]) for r in rows] == pytest.approx(heatmap.tolist(), abs=2e-6)
    assert [r[4] for r in rows] == [f"{w:.6f}" for w in heatmap]
    # the scaled column is q·k times 1/sqrt(d), d from the model's config
    config = registry.load(name).model.config
    scale = (config.hidden_size // config.num_attention_heads) ** -0.5
    for row in rows:
        assert float(row[2]) == pytest.approx(float(row[1]) * scale, rel=1e-3, abs=1e-4)
    assert "Largest difference from the heatmap's row" in summary
    gap = float(summary.split("heatmap's row: ")[1].split(" ")[0])
    assert gap < 1e-5
    assert len(figure.data) == 2
    # no token picked yet: the last token is the query
    _, _, last_rows = arithmetic_views.show_arithmetic(
        registry,
        extracted,
        name,
        TEXT,
        choice=HeadChoice(layer=layer, head=head),
        query=ArithmeticQuery(),  # the last token
    )
    assert len(last_rows) == len(extracted.labels)


def test_the_lens_output_cell_is_the_models_own_top_five(real_registry) -> None:
    text = "The capital of France is"
    lens, summary, table = lens_views.show_lens(real_registry, SMOLLM2, text)
    lm = real_registry.load(SMOLLM2)
    ids = lm.tokenizer(text)["input_ids"]
    with torch.no_grad():
        probs = torch.softmax(lm.model(torch.tensor([ids])).logits[0, -1].float(), dim=-1)
    top = torch.topk(probs, 5)
    # table row 0 is the output layer; column 0 names the layer, so position p is column p + 1
    title, figure = lens_views.lens_cell(lens, [0, len(ids)])
    assert "layer 30 (output)" in title and "' is'" in title
    shown = list(figure.data[0].x)[::-1]  # drawn least likely at the bottom
    assert shown == pytest.approx(top.values.tolist(), abs=2e-5)
    frame = lens_views.lens_frame(lens)
    assert frame.iloc[0, 0] == "layer 30 (output)" and frame.iloc[-1, 0] == "embeddings"
    assert frame.shape == (31, len(ids) + 1)
    assert "' Paris'" in summary
    assert table.to_html()  # the styled grid renders
    assert "not the layer's name" in lens_views.lens_cell(lens, [3, 0])[0]
    with pytest.raises(InvalidInputError, match="position must be a whole number"):
        lens_views.lens_cell(lens, [0, len(ids) + 1])


def test_views_that_need_a_decoder_refuse_an_encoder(real_registry) -> None:
    extracted = extract_attention(real_registry, MINILM, TEXT)
    with pytest.raises(InvalidInputError, match="needs a decoder"):
        arithmetic_views.show_arithmetic(
            real_registry,
            extracted,
            MINILM,
            TEXT,
            choice=HeadChoice(),
            query=ArithmeticQuery(query=1),
        )
    with pytest.raises(InvalidInputError, match="needs a decoder"):
        lens_views.show_lens(real_registry, MINILM, TEXT)
    with pytest.raises(InvalidInputError, match="empty"):
        lens_views.show_lens(real_registry, SMOLLM2, "  ")


def finished_run(registry: Registry, name: str, prompt: str, settings: SamplingSettings):
    lm = registry.load(name)
    *_, run = generate(lm, prompt, settings, chat=True)
    records = plots.token_records(score_tokens(lm, run, settings), lm.tokenizer)
    context = text_views.run_context(name, prompt, True, settings, text_views.EXACT, records)
    return run, records, context


def test_a_branch_on_the_original_token_gives_back_the_original(tiny_registry) -> None:
    name = tiny_registry.names()[0]
    settings = SamplingSettings.checked(
        temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=12, repetition_penalty=1.0, seed=17
    )
    run, records, context = finished_run(tiny_registry, name, "hello there", settings)
    assert context["ids"] == [t.token_id for t in run.tokens]
    index = 4
    choices = text_views.alternative_choices(records, index)
    original_id = records[index]["token_id"]
    assert original_id in [token_id for _, token_id in choices]
    summary, original, branch, payload = text_views.branch_from_run(
        tiny_registry, context, index, original_id
    )
    assert payload["branch"]["token_ids"] == payload["original"]["token_ids"] == context["ids"]
    assert "".join(p for p, _ in branch) == "".join(p for p, _ in original) == run.text
    other = next(token_id for _, token_id in choices if token_id != original_id)
    summary, original, branch, _ = text_views.branch_from_run(tiny_registry, context, index, other)
    assert "Branched at token 5" in summary and "total log-probability" in summary
    assert "".join(p for p, _ in branch[:1]) == "".join(p for p, _ in original[:1])  # prefix
    assert [c for _, c in branch][1] == "branch point"
    index, alternative = text_views.demo_branch_point(records)
    assert alternative != records[index]["token_id"]
    assert alternative in [
        token_id for _, token_id in text_views.alternative_choices(records, index)
    ]


def test_branching_refusals_are_sentences(tiny_registry) -> None:
    name = tiny_registry.names()[0]
    settings = SamplingSettings.checked(
        temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=6, repetition_penalty=1.0, seed=3
    )
    _, records, context = finished_run(tiny_registry, name, "hello", settings)
    with pytest.raises(InvalidInputError, match="Generate a text first"):
        text_views.branch_from_run(tiny_registry, None, 0, 1)
    with pytest.raises(InvalidInputError, match="Pick an alternative"):
        text_views.branch_from_run(tiny_registry, context, 0, None)
    with pytest.raises(InvalidInputError, match="token index must be a whole number"):
        text_views.branch_from_run(tiny_registry, context, 99, records[0]["token_id"])
    with pytest.raises(InvalidInputError, match="not among the alternatives"):
        unlisted = next(i for i in range(500) if i not in records[0]["alternative_ids"])
        text_views.branch_from_run(tiny_registry, context, 0, unlisted)
    assert text_views.resolved_seed(None) >= 0 and text_views.resolved_seed(5) == 5


def test_sample_n_at_temperature_zero_writes_one_text(tiny_registry) -> None:
    name = tiny_registry.names()[0]
    greedy = SamplingSettings.checked(
        temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=8, repetition_penalty=1.0, seed=4
    )
    samples = text_views.sample_texts(tiny_registry, name, "hello", True, greedy, 3)
    assert samples.distinct == 1 and [s.seed for s in samples.samples] == [4, 5, 6]
    assert "1 different texts out of 3" in text_views.sample_summary(samples, 0.0)
    rows = text_views.sample_rows(samples)
    assert [r[0] for r in rows] == [4, 5, 6] and rows[0][1] == samples.samples[0].text
    hot = SamplingSettings.checked(
        temperature=2.0, top_k=0, top_p=1.0, max_new_tokens=8, repetition_penalty=1.0, seed=4
    )
    assert text_views.sample_texts(tiny_registry, name, "hello", True, hot, 4).distinct > 1
    with pytest.raises(InvalidInputError, match="from 2 to 8"):
        text_views.sample_texts(tiny_registry, name, "hello", True, hot, 9)


def test_why_this_token_adds_up_and_says_what_it_used(real_registry) -> None:
    progress: list[tuple[int, int]] = []
    result = why_views.explain_text(
        real_registry, SMOLLM2, "The capital of France is", " Paris", " London",
        AttributionSettings(integration_steps=32), lambda done, n: progress.append((done, n)),
    )  # fmt: skip
    assert result.completeness_gap < 0.05 and progress[-1] == (32, 32)
    summary = why_views.attribution_summary(result)
    assert "Why ' Paris' rather than ' London'" in summary and "off by" in summary
    pieces = why_views.attribution_pieces(result)
    assert [p for p, _ in pieces] == list(result.labels)
    assert max(abs(s) for _, s in pieces) == pytest.approx(1.0)
    assert why_views.attribution_payload(result)["contrast"] == " London"
    several = why_views.explain_text(
        real_registry, SMOLLM2, "The capital of France is", " San Francisco", "",
        AttributionSettings(method="gradient-x-input"),
    )  # fmt: skip
    assert "first token" in several.notice and several.steps == 1
    with pytest.raises(InvalidInputError, match="Pick a method"):
        why_views.explain_text(
            real_registry, SMOLLM2, "x", "", "", AttributionSettings(method="magic")
        )
    with pytest.raises(InvalidInputError, match="from 4 to 128"):
        why_views.explain_text(
            real_registry, SMOLLM2, "x", "", "", AttributionSettings(integration_steps="NaN")
        )


def test_explaining_a_picked_token_reads_the_run(tiny_registry) -> None:
    name = tiny_registry.names()[0]
    settings = SamplingSettings.checked(
        temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=6, repetition_penalty=1.0, seed=9
    )
    _, records, context = finished_run(tiny_registry, name, "hello", settings)
    result = why_views.explain_picked(tiny_registry, context, 2, IG16)
    assert result.target_id == records[2]["token_id"]
    # against the runner-up at that position, by the definition: the top logit other than it
    lm = tiny_registry.load(name)
    before = list(result.token_ids)
    with torch.no_grad():
        logits = lm.model(torch.tensor([before])).logits[0, -1]
    logits[result.target_id] = -float("inf")
    assert result.contrast_id == int(logits.argmax())
    assert result.completeness_gap < 0.05
    with pytest.raises(InvalidInputError, match="Click a token"):
        why_views.explain_picked(tiny_registry, context, 6, IG16)
    with pytest.raises(PlaygroundError):
        why_views.explain_picked(tiny_registry, {}, 0, IG16)
