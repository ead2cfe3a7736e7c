"""Text generation with a causal language model: loading, sampling, decoding and scoring."""
