"""Self-attention of decoders and encoders: extraction, caching and per-head statistics."""
