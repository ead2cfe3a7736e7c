"""The Embeddings tab: sentences as points on a map, searched by meaning."""

from components.embeddings.tab import build

__all__ = ["build"]
