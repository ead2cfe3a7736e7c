"""Test doubles that register exactly the way built-in models do: through ModelSpec."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from models.registry import LoadedModel, ModelKind, ModelSpec
from models.sources import ModelSource


@dataclass
class CountingLoader:
    """A loader that records how often it ran, optionally slowly or failing."""

    value: object = "model"
    delay: float = 0.0
    error: Exception | None = None
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, source: ModelSource) -> LoadedModel:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return LoadedModel(self.value, parameters=1234, device="cpu", dtype="float32")


def fake_spec(
    name: str,
    kind: ModelKind = "causal-lm",
    loader: CountingLoader | None = None,
    source: ModelSource | None = None,
) -> ModelSpec:
    return ModelSpec(
        name=name,
        kind=kind,
        resolve_source=lambda: source or ModelSource("local", f"/fake/{name}", "fake"),
        load=loader or CountingLoader(),
    )
