"""The Attention tab: which tokens each token looks at, per layer and head."""

from components.attention.tab import build

__all__ = ["build"]
