"""Presenter experience without a browser: deep links are checked and never crash, scene links
round-trip, every tab's presets are valid settings for that tab, and the app wires them."""

from __future__ import annotations

import re

import gradio as gr
import pytest

from app import build_app
from components.attention.presets import PRESETS as ATTENTION_PRESETS
from components.attention.presets import preset_by_slug, tab_presets
from components.deep_links import DeepLink, parse_deep_link, scene_query
from components.embeddings import presets as embedding_demos
from components.finetune import presets as finetune_demos
from components.image import presets as image_demos
from components.tabs import TAB_IDS
from components.text import presets as text_demos
from models.errors import InvalidInputError
from tests.test_app import fake_registry

KNOWN = {
    "text": ("sure", "story", "too-hot"),
    "attention": ("pronoun", "previous-token", "induction"),
    "image": ("green-cat",),
}


def test_a_link_opens_a_tab_with_a_preset() -> None:
    link = parse_deep_link({"tab": "attention", "preset": "pronoun"}, KNOWN)
    assert link == DeepLink(tab="attention", preset="pronoun")
    # Case and spaces do not matter; query values may arrive as lists.
    link = parse_deep_link({"tab": [" Text "], "preset": "TOO-HOT", "view": "SIMPLE"}, KNOWN)
    assert (link.tab, link.preset, link.view, link.notices) == ("text", "too-hot", "Simple", ())
    assert parse_deep_link({"mode": "presenter"}, KNOWN).presenter is True
    assert parse_deep_link({"mode": "normal"}, KNOWN).presenter is False
    assert parse_deep_link({}, KNOWN) == DeepLink()


def test_a_preset_alone_finds_its_tab() -> None:
    assert parse_deep_link({"preset": "pronoun"}, KNOWN).tab == "attention"


def test_link_values_are_shown_as_text_never_as_a_link() -> None:
    """A link that carries Markdown (a phishing route on a public Space) shows it literally."""
    phish = "[Session expired: log in again](https://example.invalid/login)"
    for params in ({"tab": phish}, {"tab": "text", "preset": phish}, {"mode": "`x` ![i](y)"}):
        (notice,) = parse_deep_link(params, KNOWN).notices
        code = re.findall(r"(`+)(.*?)\1", notice)
        assert code, notice  # the value sits in a code span, where nothing renders
        assert "](" not in re.sub(r"(`+).*?\1", "", notice), notice


@pytest.mark.parametrize(
    ("params", "expected", "notice"),
    [
        ({"tab": "nope"}, DeepLink(), "Unknown tab `nope`"),
        ({"tab": "text", "preset": "pronoun"}, DeepLink(tab="text"), "one of sure, story"),
        ({"tab": "models", "preset": "x"}, DeepLink(tab="models"), "it has no demos"),
        ({"preset": "nothing-like-it"}, DeepLink(), "Unknown preset `nothing-like-it`"),
        ({"tab": "start", "view": "huge"}, DeepLink(tab="start"), "Unknown view `huge`"),
        ({"mode": "disco"}, DeepLink(), "Unknown mode `disco`"),
        ({"tab": "<script>"}, DeepLink(), "Unknown tab `<script>`"),
    ],
)
def test_unknown_values_are_dropped_with_a_notice(params, expected, notice) -> None:
    link = parse_deep_link(params, KNOWN)
    assert (link.tab, link.preset, link.view, link.presenter) == (
        expected.tab, expected.preset, expected.view, expected.presenter,
    )  # fmt: skip
    assert len(link.notices) == 1 and notice in link.notices[0]


def test_scene_links_round_trip() -> None:
    query = scene_query("attention", "pronoun", "Simple", True)
    assert query == "?tab=attention&preset=pronoun&view=simple&mode=presenter"
    params = dict(pair.split("=") for pair in query[1:].split("&"))
    assert parse_deep_link(params, KNOWN) == DeepLink("attention", "pronoun", "Simple", True)
    assert scene_query("models", "", "Expert", False) == "?tab=models"
    assert scene_query("not-a-tab", "x", "Expert", False) == "?"


def test_text_presets_are_valid_sampling_settings() -> None:
    assert [p.slug for p in text_demos.TEXT_PRESETS] == list(text_demos.TEXT_DEMOS)
    for preset in text_demos.TEXT_PRESETS:
        demo = text_demos.text_demo(preset.slug)
        assert demo.prompt.strip() and isinstance(demo.chat, bool)
        assert demo.sampling.validated() == demo.sampling  # every value within its range


def test_image_presets_are_valid_requests() -> None:
    assert [p.slug for p in image_demos.IMAGE_PRESETS] == list(image_demos.IMAGE_DEMOS)
    for request in image_demos.IMAGE_DEMOS.values():
        assert request.validated() == request


def test_embedding_presets_use_known_sets_and_valid_projections() -> None:
    from models.embeddings.sentence_sets import example_names

    assert [p.slug for p in embedding_demos.EMBEDDING_PRESETS] == list(
        embedding_demos.EMBEDDING_DEMOS
    )
    for demo in embedding_demos.EMBEDDING_DEMOS.values():
        sentences = demo.sentences
        assert sentences.source == "Example set" and sentences.data in example_names()
        assert demo.projection.validated() == demo.projection  # every value within its range
        assert demo.view.validated() == demo.view and isinstance(demo.query, str)


def test_finetune_presets_use_the_built_in_sets() -> None:
    from components.finetune.tab import BUILTIN_SETS

    for preset in finetune_demos.FINETUNE_PRESETS:
        demo = finetune_demos.finetune_demo(preset.slug)
        demo.train.validated()  # every setting within its declared range
        assert demo.data in BUILTIN_SETS and 1 <= demo.train.epochs <= 10
        assert 1 <= demo.train.max_steps <= 500
        assert len(demo.prompts.splitlines()) >= 2


def test_attention_presets_have_unique_slugs() -> None:
    slugs = [p.slug for p in ATTENTION_PRESETS]
    assert slugs == ["pronoun", "previous-token", "induction"]
    assert all(preset_by_slug(slug) is p for slug, p in zip(slugs, ATTENTION_PRESETS, strict=True))
    assert [p.note for p in tab_presets(ATTENTION_PRESETS)] == [
        p.explanation for p in ATTENTION_PRESETS
    ]


def test_unknown_preset_slugs_are_refused_with_the_list() -> None:
    with pytest.raises(InvalidInputError, match="Presets here: sure, story, too-hot"):
        text_demos.text_demo("nope")


def test_the_app_has_the_presenter_bar_and_every_tabs_demo_buttons() -> None:
    demo = build_app(fake_registry())
    ids = {block.elem_id for block in demo.blocks.values()}
    assert {"view-toggle", "presenter-mode", "copy-scene-link", "scene-link"} <= ids
    assert {t.id for t in demo.blocks.values() if isinstance(t, gr.Tab)} == set(TAB_IDS)
    for tab, presets in (
        ("text", text_demos.TEXT_PRESETS),
        ("image", image_demos.IMAGE_PRESETS),
        ("embeddings", embedding_demos.EMBEDDING_PRESETS),
        ("finetune", finetune_demos.ALL_PRESETS),
    ):
        assert {f"{tab}-preset-{p.slug}" for p in presets} <= ids, tab
    # Expert-only controls are marked on every model tab (the CSS hides them in simple view).
    expert = [
        b for b in demo.blocks.values() if "expert" in (getattr(b, "elem_classes", None) or [])
    ]
    assert len(expert) >= 15
    # The page load reads the query string (a deep link) without a queue round trip.
    loads = [d for d in demo.fns.values() if any(t[1] == "load" for t in d.targets)]
    assert any(d.fn is not None and d.fn.__name__ == "on_load" for d in loads)


def test_demo_runs_join_the_groups_their_buttons_use() -> None:
    from components.concurrency import heavy

    demo = build_app(fake_registry())
    heavy_id = heavy()["concurrency_id"]
    groups: dict[str | None, set] = {}
    for dep in demo.fns.values():
        groups.setdefault(getattr(dep.fn, "__name__", None), set()).add(dep.concurrency_id)
    # A demo's model run waits with the buttons' runs: one group per device for the whole server.
    for name in ("run_generate", "run_frames", "extract"):
        assert groups[name] == {heavy_id}, name
    # Text written by an engine (llama.cpp's slots) waits in the engine's own group.
    assert groups["on_generate"] in ({heavy_id}, {"text-engine"})
    # Light steps after a demo (redraws from session state) share one pool per tab.
    pools = set().union(*groups.values())
    # (The fake registry has neither attention preset's model, so that tab shows no demos.)
    assert {"image-demos", "embeddings-demos", "finetune-demos"} <= pools
    # Fine-tuning from a demo button waits in the same single-slot group as the Fine-tune button
    # (with comparisons, drift and export, which use the same training copy of the model).
    train = [d for d in demo.fns.values() if d.concurrency_id == "finetune"]
    assert all(d.concurrency_limit == 1 for d in train)
    # button, 5 training demos (a deep link presses one); compare, drift, export; the overfitting
    # and transfer demos (button + preset each); bringing back an adapter (button; and the
    # round-trip demo's export and import)
    assert len(train) == 1 + 5 + 3 + 2 + 2 + 1 + 2
    assert {"overfit", "transfer", "bring_back"} <= {d.fn.__name__ for d in train}
