"""The Tokens tab: how text becomes tokens, side by side for several tokenizers."""

from components.tokens.tab import build

__all__ = ["build"]
