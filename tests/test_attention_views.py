"""Attention tab handlers and statistics: the figures and exports show the extracted numbers,
aggregates are distributions, the cache re-uses tensors, and every preset shows its effect."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from components.attention import handlers as views
from components.attention.handlers import AttentionDisplay
from components.attention.presets import PRESETS, preset_by_name
from models.attention import stats
from models.attention.cache import AttentionCache
from models.attention.extraction import AttentionResult, HeadChoice, extract_attention
from models.builtin import MINILM, SMOLLM2
from models.errors import InvalidInputError


def random_result(layers=3, heads=2, seq=5, causal=True, seed=0) -> AttentionResult:
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(layers, heads, seq, seq))
    if causal:
        scores = np.where(np.triu(np.ones((seq, seq)), k=1) == 1, -np.inf, scores)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    labels = ("the", " cat", " sat", " the", ".")[:seq]
    return AttentionResult(
        model_name="org/tiny",
        architecture="decoder" if causal else "encoder",
        token_ids=tuple(range(seq)),
        labels=labels,
        attentions=weights.astype(np.float32),
        kept_text="the cat sat the.",
        total_tokens=seq,
    )


def test_rollout_is_a_distribution_and_keeps_the_causal_mask() -> None:
    result = random_result(layers=4, seq=5)
    for layer in range(4):
        flow = stats.rollout(result.attentions, layer)
        np.testing.assert_allclose(flow.sum(axis=-1), 1.0, atol=1e-5)
        assert np.triu(flow, k=1).max() == 0
    # One layer: half the head average plus half the identity.
    expected = 0.5 * result.attentions[0].mean(axis=0) + 0.5 * np.eye(5)
    np.testing.assert_allclose(stats.rollout(result.attentions, 0), expected, atol=1e-6)


def test_head_scores_measure_what_they_say() -> None:
    seq = 6
    previous = np.zeros((seq, seq), dtype=np.float32)
    previous[0, 0] = 1
    previous[np.arange(1, seq), np.arange(seq - 1)] = 1
    uniform = np.tril(np.ones((seq, seq), dtype=np.float32))
    uniform /= uniform.sum(axis=-1, keepdims=True)
    attentions = np.stack([previous, uniform])[None]  # 1 layer, 2 heads
    assert stats.head_scores(attentions, "previous token")[0, 0] == pytest.approx(1.0)
    assert stats.head_scores(attentions, "entropy")[0, 0] == pytest.approx(0.0)
    expected_entropy = np.mean([math.log2(n) for n in range(1, seq + 1)])
    assert stats.head_scores(attentions, "entropy")[0, 1] == pytest.approx(expected_entropy)
    assert stats.head_scores(attentions, "self")[0, 0] == pytest.approx(1 / seq)
    entropy = stats.head_scores(attentions, "entropy")
    assert stats.top_heads(entropy, "entropy", 1)[0][:2] == (0, 0)
    assert stats.top_heads(entropy, "self", 1)[0][:2] == (0, 1)  # the highest, for other scores
    with pytest.raises(ValueError, match="Unknown head score"):
        stats.head_scores(attentions, "nonsense")


def shown(**settings) -> AttentionDisplay:
    return AttentionDisplay.checked(**settings)


def test_figures_show_the_extracted_numbers() -> None:
    result = random_result()
    single = views.main_figure(result, shown(view="One head"), HeadChoice(layer=1, head=1))
    np.testing.assert_array_equal(single.data[0].z, result.attentions[1, 1])
    assert list(single.layout.xaxis.ticktext) == ["the·0", " cat", " sat", " the·3", "."]
    mean = views.main_figure(result, shown(view="Mean over heads"), HeadChoice(layer=2, head=0))
    np.testing.assert_allclose(mean.data[0].z, result.attentions[2].mean(axis=0), atol=1e-7)
    multiples = views.main_figure(result, shown(view="All heads of the layer"), HeadChoice())
    assert len(multiples.data) == 2
    np.testing.assert_array_equal(multiples.data[1].z, result.attentions[0, 1])
    assert views.main_figure(None, shown(view="One head"), HeadChoice()) is None
    with pytest.raises(InvalidInputError, match="Layer must be"):
        views.main_figure(result, shown(view="One head"), HeadChoice(layer=3, head=0))
    with pytest.raises(InvalidInputError, match="Pick a view from: One head, All heads"):
        shown(view="Sideways")


def test_token_focus_shows_one_row_per_layer_up_to_the_token() -> None:
    result = random_result()
    figure = views.focus_figure(result, shown(focus=3, focus_mode="This head"), HeadChoice(head=1))
    np.testing.assert_array_equal(figure.data[0].z, result.attentions[:, 1, 3, :4])
    mean = views.focus_figure(
        result, shown(focus=3, focus_mode="Mean over heads"), HeadChoice(head=1)
    )
    np.testing.assert_allclose(mean.data[0].z, result.attentions[:, :, 3, :4].mean(axis=1))
    assert views.pick_focus(result, " SAT ", 0) == 2
    assert views.pick_focus(result, "", 9) == 4  # out of range: the last token
    assert views.focus_choices(result)[3] == (" the (#3)", 3)


def test_exports_hold_the_current_matrix(tmp_path) -> None:
    result = random_result()
    html, table, data = views.export_files(
        result, shown(view="One head"), HeadChoice(layer=2, head=1), tmp_path
    )
    assert "plotly" in Path(html).read_text(encoding="utf-8").lower()
    payload = json.loads(Path(data).read_text(encoding="utf-8"))
    assert (payload["layer"], payload["head"], payload["view"]) == (2, 1, "One head")
    np.testing.assert_allclose(payload["view_matrix"], result.attentions[2, 1], atol=1e-7)
    rows = list(csv.reader(Path(table).read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["query \\ key", "the·0", " cat", " sat", " the·3", "."]
    values = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    np.testing.assert_allclose(values, result.attentions[2, 1], atol=1e-7)
    _, long_table, _ = views.export_files(
        result, shown(view="All heads of the layer"), HeadChoice(), tmp_path
    )
    long_rows = list(csv.DictReader(Path(long_table).read_text(encoding="utf-8").splitlines()))
    assert len(long_rows) == 2 * 5 * 5
    assert float(long_rows[-1]["weight"]) == pytest.approx(result.attentions[0, 1, 4, 4])
    with pytest.raises(InvalidInputError, match="Show attention"):
        views.export_files(None, shown(view="One head"), HeadChoice(), tmp_path)


def test_api_payload_and_summary() -> None:
    result = random_result()
    payload = views.api_payload(result, HeadChoice.checked(layer="2", head=1.0))
    assert payload["matrix"] == result.attentions[2, 1].tolist()
    assert payload["tokens"] == list(result.labels) and payload["layers"] == 3
    truncated = AttentionResult(**{**result.__dict__, "total_tokens": 500})
    assert "500 tokens" in views.summary_markdown(truncated)
    assert "Kept: *the cat sat the.*" in views.summary_markdown(truncated)


def test_cache_reuses_results_and_forgets_the_oldest() -> None:
    cache = AttentionCache(size=2)
    calls: list[str] = []

    def compute(text: str):
        return lambda: calls.append(text) or random_result()

    first = cache.get("m", "a", compute("a"))
    assert cache.get("m", "a", compute("a")) is first
    cache.get("m", "b", compute("b"))
    cache.get("m", "c", compute("c"))
    cache.get("m", "a", compute("a"))
    assert calls == ["a", "b", "c", "a"] and len(cache) == 2


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_each_preset_shows_its_effect(real_registry, preset) -> None:
    result = extract_attention(real_registry, preset.model, preset.text)
    layer, head_number = preset.heads.layer, preset.heads.head
    head = result.attentions[layer, head_number]
    if preset.model == MINILM:  # the pronoun attends most to its referent
        labels = list(result.labels)
        it, animal = labels.index(preset.focus_token), labels.index("animal")
        assert head[it].argmax() == animal and head[it, animal] > 0.5
    elif "Previous" in preset.name:
        assert stats.head_scores(result.attentions, "previous token")[layer, head_number] > 0.6
    else:  # induction: in the repeat, attend to the token after the earlier copy
        ids = result.token_ids
        targets = [(i, ids.index(ids[i]) + 1) for i in range(len(ids)) if ids.index(ids[i]) + 1 < i]
        assert len(targets) >= 15
        assert np.mean([head[i, j] for i, j in targets]) > 0.6
    assert preset_by_name(preset.name) is preset
    assert preset.model in (SMOLLM2, MINILM)
