"""The model registry: one place that knows every model the app can use, where its weights come
from, and how to load it.

Built-in models (models/builtin.py) register exactly the way tests register tiny fakes:
``registry.register(ModelSpec(...))``. Loading is lazy and happens once per process: the first
``registry.load(name)`` loads under a per-model lock, so users who click at the same moment share
one load, and later calls return the cached object.

This module is not a loader: it never imports torch or gradio itself.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from models.errors import PlaygroundError, UnknownModelError
from models.sources import ModelSource, hub_cached, hub_reachable
from models.validation import shown_value

log = logging.getLogger("playground")

ModelKind = Literal["causal-lm", "sentence-embedder", "text-to-image"]
LoadState = Literal["not loaded", "loading", "loaded", "failed"]
NEEDS_HUB_LABEL = " — needs the Hugging Face hub (not reachable here)"


@dataclass(frozen=True)
class LoadedModel:
    """What a loader returns: the usable object plus facts for the models panel."""

    value: Any
    parameters: int
    device: str
    dtype: str


@dataclass(frozen=True)
class ModelSpec:
    """A model the app can use.

    ``resolve_source`` finds the weights (raising ModelUnavailableError with a fix when it can't);
    ``load`` turns a resolved source into a LoadedModel. Both run only on first use.
    """

    name: str
    kind: ModelKind
    resolve_source: Callable[[], ModelSource]
    load: Callable[[ModelSource], LoadedModel]
    label: str = ""
    description: str = ""
    hub_only: str | None = None  # the hub id, for models with no packaged or local weights

    @property
    def display_name(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class ModelStatus:
    """One row of the models panel."""

    name: str
    label: str
    kind: ModelKind
    state: LoadState
    source: str = ""
    location: str = ""
    source_detail: str = ""
    parameters: int | None = None
    device: str = ""
    dtype: str = ""
    load_seconds: float | None = None
    error: str = ""


@dataclass
class _Entry:
    spec: ModelSpec
    lock: threading.Lock = field(default_factory=threading.Lock)
    state: LoadState = "not loaded"
    loaded: LoadedModel | None = None
    source: ModelSource | None = None
    load_seconds: float | None = None
    error: str = ""


WarmUpState = Literal["waiting", "running", "done", "failed"]


@dataclass
class WarmUpStep:
    """One step of the warm-up, as the page's progress line shows it."""

    label: str  # what gets ready ("the text engine"); a model's step is labelled by its name
    state: WarmUpState = "waiting"


class Registry:
    """Models by name, loaded lazily, once, thread-safely."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._defaults: dict[str, str] = {}
        self._guard = threading.Lock()  # protects the dicts, not the loads
        self._warm_up_thread: threading.Thread | None = None
        self._warm_up_steps: list[WarmUpStep] = []

    # -- what is known -------------------------------------------------------------------------
    def register(self, spec: ModelSpec, *, default: bool = False) -> ModelSpec:
        """Add a model. The first model of a kind is that kind's default unless one is named."""
        with self._guard:
            if spec.name in self._entries:
                raise ValueError(f"A model named '{spec.name}' is already registered.")
            self._entries[spec.name] = _Entry(spec)
            if default or spec.kind not in self._defaults:
                self._defaults[spec.kind] = spec.name
        return spec

    def register_default(self, name: str) -> None:
        """Make an already registered model the default of its kind."""
        entry = self._entry(name)
        self._defaults[entry.spec.kind] = name

    def names(self, kind: ModelKind | None = None) -> list[str]:
        return [n for n, e in self._entries.items() if kind is None or e.spec.kind == kind]

    def choices(self, kind: ModelKind) -> list[tuple[str, str]]:
        """(label, name) pairs for a dropdown of one kind of model; a model this server cannot
        reach says so in its label, so nobody picks it expecting it to work."""
        return [
            (self._entries[n].spec.display_name + (NEEDS_HUB_LABEL if self.needs_hub(n) else ""), n)
            for n in self.names(kind)
        ]

    def needs_hub(self, name: str) -> bool:
        """True for a hub-only model that is not in the local cache while the hub cannot be
        reached (HF_HUB_OFFLINE, or no network): loading it would fail."""
        spec = self._entry(name).spec
        return bool(spec.hub_only) and not hub_cached(spec.hub_only) and not hub_reachable()

    def default(self, kind: ModelKind) -> str:
        if kind not in self._defaults:
            raise UnknownModelError(f"No {kind} model is registered.")
        return self._defaults[kind]

    def default_or_none(self, kind: ModelKind) -> str | None:
        """The default of a kind, or None when no model of that kind is registered."""
        return self._defaults.get(kind)

    def spec(self, name: str) -> ModelSpec:
        return self._entry(name).spec

    def _entry(self, name: str) -> _Entry:
        entry = self._entries.get(name)
        if entry is None:
            known = ", ".join(self._entries) or "none"
            raise UnknownModelError(f"No model named {shown_value(name)}. Known models: {known}.")
        return entry

    # -- loading -------------------------------------------------------------------------------
    def load(self, name: str, kind: ModelKind | None = None) -> Any:
        """The ready-to-use model object, loading it on first use."""
        return self.loaded(name, kind).value

    def loaded(self, name: str, kind: ModelKind | None = None) -> LoadedModel:
        entry = self._entry(name)
        if kind is not None and entry.spec.kind != kind:
            raise UnknownModelError(
                f"'{name}' is a {entry.spec.kind} model; pick a {kind} model instead."
            )
        if entry.loaded is not None:  # fast path, no lock once loaded
            return entry.loaded
        with entry.lock:
            if entry.loaded is not None:  # another thread finished while we waited
                return entry.loaded
            entry.state, entry.error = "loading", ""
            started = time.perf_counter()
            try:
                entry.source = entry.spec.resolve_source()
                loaded = entry.spec.load(entry.source)
            except PlaygroundError as error:
                entry.state, entry.error = "failed", str(error)
                raise
            except Exception as error:  # a loader bug or a corrupt file: keep the server up
                entry.state, entry.error = "failed", f"{type(error).__name__}: {error}"
                raise
            entry.load_seconds = time.perf_counter() - started
            entry.loaded, entry.state = loaded, "loaded"
            return loaded

    def warm_up(
        self,
        names: Iterable[str] | None = None,
        then: Iterable[Callable[[], object] | tuple[str, Callable[[], object]]] = (),
    ) -> threading.Thread:
        """Load models in a background thread (after launch), so first clicks are fast, then run
        the ``then`` tasks (other one-off costs; a ``(label, task)`` pair names what it makes
        ready for the page's progress line). Load failures are kept in the models panel; task
        failures are logged; nothing is raised. ``warm_up_steps`` says how far it got."""
        todo = list(self.names() if names is None else names)
        tasks = [item if isinstance(item, tuple) else ("", item) for item in then]
        steps = [WarmUpStep(self._entry(name).spec.display_name) for name in todo]
        steps += [WarmUpStep(label) for label, _ in tasks]
        self._warm_up_steps = steps
        work: list[Callable[[], object]] = [functools.partial(self.loaded, name) for name in todo]
        work += [task for _, task in tasks]

        def run() -> None:
            for index, (step, job) in enumerate(zip(steps, work, strict=True)):
                step.state = "running"
                try:
                    job()
                    step.state = "done"
                except Exception:
                    step.state = "failed"
                    if index >= len(todo):  # a load's failure is kept in the model's status
                        log.exception("Warm-up task failed; the first user will pay its cost")

        thread = threading.Thread(target=run, name="model-warm-up", daemon=True)
        self._warm_up_thread = thread
        thread.start()
        return thread

    def warm_up_pending(self, *labels: str) -> str:
        """The first of these warm-up steps that has not ended yet ("" when none is left): a
        click that needs it waits for it, and can say so first."""
        for step in self._warm_up_steps:
            if step.label in labels and step.state in ("waiting", "running"):
                return step.label
        return ""

    def warm_up_steps(self) -> list[WarmUpStep]:
        """The warm-up's steps and their states now (empty when none was started)."""
        return [WarmUpStep(step.label, step.state) for step in self._warm_up_steps]

    @property
    def warming_up(self) -> bool:
        return self._warm_up_thread is not None and self._warm_up_thread.is_alive()

    # -- reporting -----------------------------------------------------------------------------
    def statuses(self) -> list[ModelStatus]:
        return [self._status(entry) for entry in list(self._entries.values())]

    def status(self, name: str) -> ModelStatus:
        return self._status(self._entry(name))

    @staticmethod
    def _status(entry: _Entry) -> ModelStatus:
        loaded, source = entry.loaded, entry.source
        return ModelStatus(
            name=entry.spec.name,
            label=entry.spec.display_name,
            kind=entry.spec.kind,
            state=entry.state,
            source=source.kind if source else "",
            location=source.location if source else "",
            source_detail=source.detail if source else "",
            parameters=loaded.parameters if loaded else None,
            device=loaded.device if loaded else "",
            dtype=loaded.dtype if loaded else "",
            load_seconds=entry.load_seconds,
            error=entry.error,
        )


def count_parameters(module: Any) -> int:
    """Number of parameters of a torch module (shared tensors counted once)."""
    seen: set[int] = set()
    total = 0
    for parameter in module.parameters():
        if id(parameter) not in seen:
            seen.add(id(parameter))
            total += parameter.numel()
    return total
