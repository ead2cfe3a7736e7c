"""Sentence embedders (sentence-transformers models such as all-MiniLM-L6-v2): loading only.

Embedding, caching and projection belong to the Embeddings tab's module.
"""

from __future__ import annotations

from models.device import pick_device
from models.registry import LoadedModel, count_parameters
from models.sources import ModelSource, explain_hub_failure


def load_sentence_embedder(source: ModelSource) -> LoadedModel:
    """A SentenceTransformer from a folder or hub id, on the best device, in float32
    (embedders are small and their similarity scores are what people compare)."""
    from sentence_transformers import SentenceTransformer

    device = pick_device()
    try:
        model = SentenceTransformer(source.location, device=device)
    except OSError as error:
        raise explain_hub_failure(source.location, error) from error
    model.eval()
    return LoadedModel(model, count_parameters(model), device, "float32")
