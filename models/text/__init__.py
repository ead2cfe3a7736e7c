"""Text generation and what happens inside a language model while it writes."""
