"""Embeddings: sentences as vectors, their maps, and models trained on them."""
