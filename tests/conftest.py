"""Test-suite setup: offline hub, shared fixtures.

The suite never contacts the model hub: HF_HUB_OFFLINE is set before anything imports
huggingface_hub, so a test that tried would fail loudly instead of downloading.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest

from models.builtin import default_registry
from models.registry import Registry


@pytest.fixture(scope="session")
def real_registry() -> Registry:
    """The app's own registry with the real default models, loaded at most once per test run."""
    return default_registry({})
