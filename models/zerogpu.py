"""``gpu``: mark a heavy function for Hugging Face ZeroGPU, and do nothing anywhere else.

On a ZeroGPU Space the ``spaces`` package is installed and ``spaces.GPU`` attaches a GPU to the
process only while a decorated function runs. Elsewhere (this machine, CPU Spaces, plain GPUs)
``spaces`` is absent or inactive, and ``gpu`` returns the function itself, so nothing changes.
``spaces`` must be imported before torch initialises CUDA, which is why app.py imports this
module before anything that imports torch.

On ZeroGPU a decorated function runs in a GPU worker process: its arguments and results are
pickled across. So ``gpu`` goes on the tab handlers (closures over the registry, which holds locks
and cannot be pickled), whose arguments are the request's plain values and session state, and
session changes come back only through the handler's outputs. tests/test_zerogpu.py checks this
with a stand-in ``spaces.GPU`` that pickles the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

try:  # only present on Hugging Face Spaces
    import spaces  # type: ignore[import-not-found]
except ImportError:
    spaces = None

DURATION = 120  # seconds of GPU a call may hold; fine-tuning asks for MAX_WALL_SECONDS itself


def on_zerogpu() -> bool:
    """True on a ZeroGPU Space: ``spaces`` installed and ``SPACES_ZERO_GPU`` set (Spaces sets it
    on ZeroGPU hardware only)."""
    return spaces is not None and "SPACES_ZERO_GPU" in os.environ


def gpu(fn: F | None = None, *, duration: int = DURATION) -> Any:
    """``@gpu`` or ``@gpu(duration=300)``: ``spaces.GPU`` on ZeroGPU, the function itself
    elsewhere. Works for plain functions and generators (``spaces.GPU`` handles both)."""

    def wrap(function: F) -> F:
        function.zerogpu_duration = duration  # type: ignore[attr-defined]  # tests check marks
        if not on_zerogpu():
            return function
        return spaces.GPU(duration=duration)(function)  # type: ignore[union-attr]

    return wrap(fn) if fn is not None else wrap
