"""Hosting configuration: ZeroGPU marks, concurrency groups, queue size, launch settings."""

from __future__ import annotations

import sys
import types

import pytest

from app import LAUNCH_OPTIONS, QUEUE_SIZE, build_app, main
from components import concurrency
from models import zerogpu
from tests.fakes import fake_spec


def test_gpu_is_a_no_op_without_spaces() -> None:
    assert zerogpu.spaces is None and not zerogpu.on_zerogpu()

    def work(x: int) -> int:
        return x + 1

    assert zerogpu.gpu(work) is work
    assert zerogpu.gpu(duration=30)(work) is work and work(1) == 2


def test_on_zerogpu_the_mark_becomes_spaces_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fake_gpu(duration: int):
        calls.append(duration)
        return lambda fn: ("on-gpu", fn)

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=fake_gpu))
    monkeypatch.setattr(zerogpu, "spaces", sys.modules["spaces"])
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")

    def work() -> None:
        return None

    assert zerogpu.gpu(duration=77)(work) == ("on-gpu", work) and calls == [77]
    monkeypatch.delenv("SPACES_ZERO_GPU")
    assert zerogpu.gpu(work) is work  # `spaces` installed but not on ZeroGPU hardware


def test_heavy_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYGROUND_HEAVY_CONCURRENCY", "5")
    assert concurrency.heavy() == {"concurrency_id": "heavy-cpu", "concurrency_limit": 5}
    monkeypatch.setenv("PLAYGROUND_HEAVY_CONCURRENCY", "lots")
    assert 1 <= concurrency.heavy_limit() <= 2


def test_heavy_events_share_one_group_and_training_its_own() -> None:
    from models.registry import Registry

    registry = Registry()
    registry.register(fake_spec("fake-lm"))
    registry.register(fake_spec("fake-enc", kind="sentence-embedder"))
    demo = build_app(registry)
    groups = {fn.api_name: (fn.concurrency_id, fn.concurrency_limit) for fn in demo.fns.values()}
    heavy = ("heavy-cpu", concurrency.heavy_limit())
    for name in ("generate_text", "token_probabilities", "generate_image", "denoising_frames",
                 "project_embeddings", "attention"):  # fmt: skip
        assert groups[name] == heavy, name
    for name in ("finetune", "compare_models", "export_adapter"):
        assert groups[name] == ("finetune", 1), name
    assert demo._queue.max_size == QUEUE_SIZE
    assert demo.delete_cache is not None  # Gradio's copies of returned files are pruned too


def test_launch_settings_for_a_public_server() -> None:
    assert LAUNCH_OPTIONS["ssr_mode"] is False and LAUNCH_OPTIONS["max_file_size"] == "50mb"
    assert "allowed_paths" not in LAUNCH_OPTIONS and "share" not in LAUNCH_OPTIONS
    assert LAUNCH_OPTIONS["state_session_capacity"] <= 2000  # Gradio's default is 10,000
    share = next(p for p in main.params if p.name == "share")
    assert share.is_flag and share.default is not True  # off unless --share is given


def test_large_session_state_expires() -> None:
    import gradio as gr

    from models.registry import Registry

    registry = Registry()
    registry.register(fake_spec("fake-lm"))
    registry.register(fake_spec("fake-enc", kind="sentence-embedder"))
    demo = build_app(registry)
    states = [block for block in demo.blocks.values() if isinstance(block, gr.State)]
    expiring = [state for state in states if state.time_to_live <= 3 * 3600]
    assert len(expiring) >= 4  # attention result, embedding map, image frames, fine-tune session


def test_model_and_user_text_is_never_raw_html() -> None:
    import gradio as gr

    from models.registry import Registry

    registry = Registry()
    registry.register(fake_spec("fake-lm"))
    registry.register(fake_spec("fake-enc", kind="sentence-embedder"))
    blocks = build_app(registry).blocks.values()
    assert not [block for block in blocks if isinstance(block, gr.HTML)]
    assert all(block.sanitize_html for block in blocks if isinstance(block, gr.Markdown))


def test_a_frame_deleted_from_the_cache_shows_nothing(tmp_path) -> None:
    from components.image.tab import _show_frame

    kept = tmp_path / "step-1.png"
    kept.write_bytes(b"png")
    gone = str(tmp_path / "step-2.png")
    assert _show_frame([str(kept), gone], 1) == str(kept)
    assert _show_frame([str(kept), gone], 2) is None


def test_adapter_slots_of_vanished_sessions_lapse() -> None:
    """Gradio evicts sessions past its cap without calling release: slots must not leak."""
    from models.errors import InvalidInputError
    from models.finetune.training import ADAPTERS, AdapterLedger

    assert ADAPTERS.max_age == 3 * 3600  # the Fine-tune tab's session time_to_live
    ledger = AdapterLedger(limit=1, max_age=10)
    ledger.claim("evicted", now=0)
    ledger.claim("evicted", now=8)  # training again renews the claim
    with pytest.raises(InvalidInputError, match="already holds 1 fine-tuned model"):
        ledger.claim("newcomer", now=15)
    ledger.claim("newcomer", now=19)  # the evicted session's claim lapsed
    assert ledger.held == 1
