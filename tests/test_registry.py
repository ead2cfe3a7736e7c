"""The registry: lazy, once-per-process, thread-safe loading and clear errors."""

from __future__ import annotations

import threading

import pytest

from models.errors import ModelUnavailableError, UnknownModelError
from models.registry import Registry
from tests.fakes import CountingLoader, fake_spec


def test_nothing_loads_until_first_use() -> None:
    loader = CountingLoader()
    registry = Registry()
    registry.register(fake_spec("a", loader=loader))
    assert loader.calls == 0
    assert registry.status("a").state == "not loaded"
    assert registry.load("a") == "model"
    assert loader.calls == 1
    assert registry.load("a") == "model"
    assert loader.calls == 1


def test_concurrent_first_use_loads_once() -> None:
    loader = CountingLoader(delay=0.2)
    registry = Registry()
    registry.register(fake_spec("slow", loader=loader))
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(registry.load("slow"))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loader.calls == 1
    assert results == ["model"] * 8


def test_status_reports_source_size_device_and_time() -> None:
    registry = Registry()
    registry.register(fake_spec("a"))
    registry.load("a")
    status = registry.status("a")
    assert status.state == "loaded"
    assert status.source == "local"
    assert status.location == "/fake/a"
    assert status.parameters == 1234
    assert status.device == "cpu"
    assert status.dtype == "float32"
    assert status.load_seconds is not None and status.load_seconds >= 0


def test_unknown_model_names_the_known_ones() -> None:
    registry = Registry()
    registry.register(fake_spec("alpha"))
    with pytest.raises(UnknownModelError) as caught:
        registry.load("beta")
    assert str(caught.value) == "No model named 'beta'. Known models: alpha."
    with pytest.raises(UnknownModelError) as caught:
        registry.load("b" * 100_000)  # a caller's name is quoted short, never echoed whole
    assert len(str(caught.value)) < 100


def test_wrong_kind_is_refused() -> None:
    registry = Registry()
    registry.register(fake_spec("encoder", kind="sentence-embedder"))
    with pytest.raises(UnknownModelError, match="sentence-embedder model"):
        registry.load("encoder", kind="causal-lm")


def test_failed_load_is_reported_and_retried() -> None:
    loader = CountingLoader(error=ModelUnavailableError("Weights missing: run make setup."))
    registry = Registry()
    registry.register(fake_spec("broken", loader=loader))
    with pytest.raises(ModelUnavailableError):
        registry.load("broken")
    status = registry.status("broken")
    assert status.state == "failed"
    assert status.error == "Weights missing: run make setup."
    loader.error = None
    assert registry.load("broken") == "model"
    assert registry.status("broken").state == "loaded"


def test_defaults_first_of_kind_unless_named() -> None:
    registry = Registry()
    registry.register(fake_spec("lm1"))
    registry.register(fake_spec("lm2"))
    registry.register(fake_spec("enc", kind="sentence-embedder"))
    assert registry.default("causal-lm") == "lm1"
    registry.register_default("lm2")
    assert registry.default("causal-lm") == "lm2"
    assert registry.choices("sentence-embedder") == [("enc", "enc")]
    with pytest.raises(UnknownModelError):
        registry.default("text-to-image")


def test_duplicate_names_are_refused() -> None:
    registry = Registry()
    registry.register(fake_spec("a"))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(fake_spec("a"))


def test_warm_up_loads_in_background_and_records_failures() -> None:
    registry = Registry()
    registry.register(fake_spec("good"))
    registry.register(fake_spec("bad", loader=CountingLoader(error=RuntimeError("boom"))))
    registry.warm_up().join(timeout=5)
    assert registry.status("good").state == "loaded"
    assert registry.status("bad").state == "failed"
    assert "boom" in registry.status("bad").error
    assert not registry.warming_up


def test_warm_up_runs_tasks_after_loads_and_survives_their_failure() -> None:
    order: list[str] = []
    loader = CountingLoader()
    registry = Registry()
    registry.register(fake_spec("a", loader=loader))

    def failing() -> None:
        order.append("failing")
        raise RuntimeError("boom")

    registry.warm_up(
        ["a"],
        then=[
            lambda: order.append(f"first after {loader.calls} load"),
            failing,
            lambda: order.append("last"),
        ],
    ).join(timeout=5)
    assert order == ["first after 1 load", "failing", "last"]
