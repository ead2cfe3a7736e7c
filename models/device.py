"""Where models run: pick a torch device (cuda → mps → cpu) and a dtype that suits it.

``PLAYGROUND_DEVICE`` overrides the choice (for example ``cpu`` on a machine whose GPU is busy).
torch is imported inside the functions so that importing this module stays free.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def pick_device() -> str:
    """The best available device name: ``cuda``, ``mps`` or ``cpu``."""
    forced = os.environ.get("PLAYGROUND_DEVICE", "").strip()
    if forced:
        return forced
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(device: str) -> torch.dtype:
    """float32 on CPU (exact, and CPUs gain little from half precision in PyTorch eager mode);
    bfloat16 on GPUs that support it, else float16."""
    import torch

    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.startswith("mps"):
        return torch.float16
    return torch.float32
