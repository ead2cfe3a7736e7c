"""The Text tab: a language model writing token by token, and why it picks each token."""

from components.text.tab import build

__all__ = ["build"]
