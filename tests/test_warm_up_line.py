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
