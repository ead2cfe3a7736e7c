"""The real app (``build_app``) on loopback for the hosting tests, with fast models.

A tiny seeded Llama (tests/tiny_models.py) is the language model; all-MiniLM-L6-v2 (packaged
wheel) and our 32×32 image model are the real ones, because they are already small. Every model
is loaded and the fast decoder built before the server reports ready, so the load test measures
serving, not first-use costs.

Run as ``python -m tests.hosting.server --port P --folder DIR [--queue-size N]``: it prints
app.py's ready line once it answers (tests/servers.py waits on it), and serves until terminated.
The page is drawn as app.py draws it (stylesheet, scripts, translations), so the browser tests of
page mechanics can use it too. ``tiny_registry`` is importable for tests that launch in-process.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything imports huggingface_hub
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from app import build_app
from components.presenter import PAGE_OPTIONS
from components.serving import LAUNCH_OPTIONS
from models.builtin import MINILM, external_spec, minilm_spec
from models.image.catalog import OWN_MODEL, register_image_models
from models.registry import Registry
from tests.servers import READY
from tests.tiny_models import save_tiny_causal_lm


def tiny_registry(folder: Path) -> Registry:
    """Tiny seeded language model (the default), MiniLM, and our image model."""
    lm_folder = folder / "tiny-lm"
    if not (lm_folder / "config.json").exists():
        save_tiny_causal_lm(lm_folder, seed=0)
    registry = Registry()
    registry.register(external_spec("causal-lm", str(lm_folder)))
    registry.register(minilm_spec())
    register_image_models(registry, MINILM)
    return registry


def warm(registry: Registry) -> None:
    """Pay one-off costs now: loads, the decode loop, the image model's text encoder."""
    from models.text.decode_loop import DecodeLoop

    lm = registry.load(registry.default("causal-lm"), kind="causal-lm")
    DecodeLoop.for_model(lm.model)
    registry.load(MINILM, kind="sentence-embedder")
    registry.load(OWN_MODEL, kind="text-to-image")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--queue-size", type=int, default=64)
    args = parser.parse_args()
    registry = tiny_registry(args.folder)
    warm(registry)
    demo = build_app(registry, queue_size=args.queue_size)
    demo.launch(
        server_name="127.0.0.1",
        server_port=args.port,
        prevent_thread_lock=True,
        quiet=True,
        **PAGE_OPTIONS,
        **LAUNCH_OPTIONS,
    )
    print(f"{READY} http://127.0.0.1:{args.port}", flush=True)
    demo.block_thread()


if __name__ == "__main__":
    main()
