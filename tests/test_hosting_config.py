"""Hosting configuration: ZeroGPU marks, concurrency groups, queue size, launch settings."""

from __future__ import annotations

import sys
import types

import pytest

from app import build_app, main
from components import concurrency
from components.serving import LAUNCH_OPTIONS, QUEUE_SIZE
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
    # The one HTML block: the Tokens tab's chips, built by components/tokens/plots.py, which
    # escapes every piece of text (tests/test_tokens_tab.py::test_user_text_is_shown_as_text).
    html = [block.elem_id for block in blocks if isinstance(block, gr.HTML)]
    assert html == ["tokens-view"]
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
    ledger = AdapterLedger(limit=2, max_age=10, idle=3600, clock=lambda: 0)
    ledger.claim("evicted", now=0)
    ledger.claim("evicted", now=8)  # training again renews the claim
    ledger.claim("other", now=9)
    with pytest.raises(InvalidInputError, match="already holds 2 fine-tuned models"):
        with ledger.using("evicted"), ledger.using("other"):  # busy: neither lapses nor goes
            ledger.claim("newcomer", now=19)
    ledger.claim("newcomer", now=19)  # the evicted session's claim lapsed, 11 s after renewal
    assert ledger.held == 2 and not ledger.holds("evicted") and ledger.holds("other")


def test_a_shared_host_records_and_exposes_nothing_unless_asked() -> None:
    from components.serving import shared_host_options

    default = shared_host_options({})
    assert default["run_history"] is False and default["enable_monitoring"] is False
    assert default["mcp_server"] is False and "runs" not in default["footer_links"]
    # Gradio's own variable does not switch the MCP server on behind the deployer's back.
    assert shared_host_options({"GRADIO_MCP_SERVER": "True"})["mcp_server"] is False
    on = shared_host_options(
        {
            "PLAYGROUND_RUN_HISTORY": "1",
            "PLAYGROUND_MONITORING": "yes",
            "PLAYGROUND_MCP_SERVER": "on",
        }
    )
    assert on["run_history"] and on["enable_monitoring"] and on["mcp_server"]
    assert "runs" in on["footer_links"]
    for key, value in default.items():
        assert LAUNCH_OPTIONS[key] == value  # what app.py launches with (no variables set here)


def test_the_image_cache_never_shows_half_a_picture(tmp_path) -> None:
    """Same seed, same picture, same cache path: while two requests write it, a reader only ever
    finds a whole image (Gradio writes that file in place; components/atomic_cache.py does not)."""
    import threading

    from gradio import processing_utils
    from PIL import Image

    from components.atomic_cache import install

    install()
    assert getattr(processing_utils.save_pil_to_cache, "_playground_atomic_cache", False)
    assert getattr(processing_utils.save_bytes_to_cache, "_playground_atomic_cache", False)
    picture = Image.effect_noise((512, 512), 80).convert("RGB")
    path = processing_utils.save_pil_to_cache(picture, str(tmp_path), format="png")
    done, broken = threading.Event(), []

    def write() -> None:
        for _ in range(40):
            processing_utils.save_pil_to_cache(picture, str(tmp_path), format="png")

    def read() -> None:
        while not done.is_set():
            try:
                with Image.open(path) as seen:
                    seen.load()
            except Exception as error:  # a truncated file: the bug this guards against
                broken.append(repr(error))

    writers = [threading.Thread(target=write) for _ in range(2)]
    reader = threading.Thread(target=read)
    for thread in [reader, *writers]:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    assert not broken, broken[:3]


def test_the_adapter_limit_can_be_raised_by_the_operator() -> None:
    from models.finetune.training import MAX_ADAPTERS, adapter_limit

    assert adapter_limit({}) == MAX_ADAPTERS == 8
    assert adapter_limit({"PLAYGROUND_MAX_ADAPTERS": " 16 "}) == 16
    for bad in ("0", "-3", "many", "2.5"):
        assert adapter_limit({"PLAYGROUND_MAX_ADAPTERS": bad}) == MAX_ADAPTERS
