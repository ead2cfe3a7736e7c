"""The page's warm-up line (components/warm_up_line.py): what it says at each step of a warm-up,
from the registry's own record of its steps, and that it is gone once every step has ended
(a failed step too: its cost falls on the first user, the line must not stay forever)."""

from __future__ import annotations

import threading

from components import i18n
from components.warm_up_line import progress_line
from models.registry import Registry
from tests.fakes import fake_spec


def test_the_line_follows_the_warm_up_and_goes_when_it_ends() -> None:
    registry = Registry()
    registry.register(fake_spec("tiny-text"))
    assert progress_line(registry) == ""  # no warm-up started: no line
    started, release = threading.Event(), threading.Event()

    def slow_engine() -> None:
        started.set()
        release.wait(timeout=60)

    def broken() -> None:
        raise RuntimeError("no such engine")

    thread = registry.warm_up(then=[("the text engine", slow_engine), ("the tokenizers", broken)])
    assert started.wait(timeout=60)
    said = progress_line(registry)
    assert "1 of 3 ready" in said and "now the text engine…" in said
    assert "ahora el motor de texto" in i18n.said(said, "es")
    assert [s.state for s in registry.warm_up_steps()] == ["done", "running", "waiting"]
    release.set()
    thread.join(timeout=60)
    assert [s.state for s in registry.warm_up_steps()] == ["done", "done", "failed"]
    assert progress_line(registry) == ""


def test_a_text_asked_for_during_the_warm_up_says_it_waits_then_comes(tmp_path) -> None:
    """A click before the text engine is ready says it is waiting for it (item 11), then the
    text comes as usual once the warm-up has made it ready."""
    from components.text.handlers import generate_text
    from models.builtin import external_spec
    from models.text.generation import SamplingSettings
    from models.warm_up import TEXT_ENGINE
    from tests.tiny_models import save_tiny_causal_lm

    registry = Registry()
    registry.register(external_spec("causal-lm", str(save_tiny_causal_lm(tmp_path))))
    name = registry.names()[0]
    release = threading.Event()
    thread = registry.warm_up([], then=[(TEXT_ENGINE, lambda: release.wait(timeout=60))])
    settings = SamplingSettings(max_new_tokens=4, seed=1)
    stream = generate_text(registry, name, "the cat", False, False, settings)
    text, status, *_ = next(stream)
    assert text == "" and "Waiting for the text engine" in status
    assert "En espera (el motor de texto)" in i18n.said(status, "es")
    release.set()
    thread.join(timeout=60)
    *_, (text, status, _, records) = stream
    assert records and "ended:" in status
    ready = generate_text(registry, name, "the cat", False, False, settings)
    assert "Waiting" not in next(ready)[1]  # warmed up: no waiting line
