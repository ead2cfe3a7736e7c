"""Time-left estimates for long runs ("about 40 s left"), from the rate measured so far.

Shown on anything that can take more than a few seconds (streamed text, training), so a room
waiting on a demo knows how long. Plain arithmetic; the handlers put the sentence in their status.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from models.sentences import sentence

Progress = Callable[..., Any]  # gr.Progress, or any callable taking ((done, total), desc=...)

SHOW_FROM_SECONDS = 3.0  # below this, a countdown only flickers


def seconds_left(done: float, total: float, elapsed: float) -> float | None:
    """Seconds to finish ``total`` units at the rate of the ``done`` units so far (None before
    any is done)."""
    if done <= 0 or elapsed <= 0 or total <= done:
        return None if done <= 0 or elapsed <= 0 else 0.0
    return elapsed / done * (total - done)


def left_piece(done: float, total: float, elapsed: float) -> str:
    """'about 40 s left' (or 'about 1 min 20 s left') as a sentence, or '' when under a few
    seconds or not known: one piece of a status line (models/sentences.py ``joined``)."""
    left = seconds_left(done, total, elapsed)
    if left is None or left < SHOW_FROM_SECONDS:
        return ""
    if left < 60:
        rounded = math.ceil(left / 5) * 5 if left > 10 else math.ceil(left)
        return sentence("about {seconds} s left", seconds=rounded)
    minutes, seconds = divmod(int(round(left / 10) * 10), 60)
    if seconds:
        return sentence("about {minutes} min {seconds} s left", minutes=minutes, seconds=seconds)
    return sentence("about {minutes} min left", minutes=minutes)


def counted(
    progress: Progress | None, what: str, unit: str = "step"
) -> Callable[[int, int], None] | None:
    """An ``on_step(done, total)`` callback for the model layer that moves ``progress`` and says
    "<what>: <unit> 3 of 25"; None without a progress bar."""
    if progress is None:
        return None

    def on_step(done: int, total: int) -> None:
        progress((done, total), desc=f"{what}: {unit} {done} of {total}")

    return on_step
