"""The Image tab: a diffusion model turning noise into pictures, step by step."""

from components.image.tab import build

__all__ = ["build"]
