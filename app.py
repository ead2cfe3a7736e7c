"""Generative-model playground: assemble the tabs, parse --host/--port/--share, launch.

Run ``make run`` (or ``python app.py --help``). Nothing here loads a model: the registry loads
lazily, and a background warm-up starts once the server is up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

# On a ZeroGPU Space, `spaces` must be imported before torch: models.zerogpu imports it first.
from models import zerogpu  # noqa: F401  # isort: skip
import gradio as gr  # isort: skip

from components import (
    attention,
    embeddings,
    finetune,
    image,
    models_panel,
    number_guard,
    start_here,
    text,
)
from models.builtin import default_registry
from models.errors import PlaygroundError
from models.registry import Registry
from models.warm_up import start_warm_up

CSS = Path(__file__).parent / "assets" / "style.css"
# Waiting requests, all events together. Past this, callers get "queue full, try again" at once
# (gradio_client raises QueueError) instead of the server holding ever more requests in memory.
# Heavy events run at most components/concurrency.py heavy_limit() at a time (one group per
# device), fine-tuning one at a time, light events two at a time (default_concurrency_limit).
QUEUE_SIZE = 64
# Gradio copies every returned file (images, CSV, zips) into its cache: every 30 min, delete
# copies older than 1 h, so a day of use by a lecture hall cannot fill the disk.
DELETE_CACHE = (1800, 3600)
# Launch settings for every server (app.py and the hosting tests' server): no Node SSR server
# (one process, no extra attack surface), uploads capped, no extra allowed_paths (Gradio serves
# only its own cache and uploads). share stays a separate, off-by-default flag.
# state_session_capacity: sessions whose state stays in memory (Gradio's default is 10,000); the
# least recently used go first past it. A lecture hall is a few hundred browser tabs.
LAUNCH_OPTIONS: dict[str, Any] = {
    "ssr_mode": False,
    "max_file_size": "50mb",
    "state_session_capacity": 1000,
}


def build_app(registry: Registry, queue_size: int = QUEUE_SIZE) -> gr.Blocks:
    number_guard.install()  # API callers sending "abc" or NaN for a slider get a sentence
    with gr.Blocks(
        title="Generative-model playground", analytics_enabled=False, delete_cache=DELETE_CACHE
    ) as demo:
        tuned = finetune.new_session_state()  # this session's adapter, also used by the Text tab
        with gr.Tabs() as tabs:
            with gr.Tab("Start here", id="start"):
                start_here.build(tabs)
            with gr.Tab("Text", id="text"):
                text_tab = text.build(registry, tuned)
            with gr.Tab("Image", id="image"):
                image.build(registry)
            with gr.Tab("Embeddings", id="embeddings"):
                embeddings.build(registry)
            with gr.Tab("Attention", id="attention"):
                attention_tab = attention.build(registry)
            with gr.Tab("Fine-tune", id="finetune"):
                finetune_tab = finetune.build(registry, tuned)
            with gr.Tab("Models", id="models"):
                models_panel.build(registry)
        # Cross-tab: the text the Text tab wrote, inspected in the Attention tab.
        attention_tab.wire_send(text_tab.send_to_attention, text_tab.output,
                                registry.default("causal-lm"), tabs)  # fmt: skip
        finetune_tab.wire_try_in_text(text_tab.use_tuned, text_tab.prompt, tabs)
    demo.queue(max_size=queue_size, default_concurrency_limit=2)
    return demo


@click.command()
@click.option("--host", default="127.0.0.1", envvar="GRADIO_SERVER_NAME", show_default=True,
              help="Interface to listen on (0.0.0.0 to serve your network).")  # fmt: skip
@click.option("--port", default=7860, type=click.IntRange(1, 65535), envvar="GRADIO_SERVER_PORT",
              show_default=True, help="Port to listen on.")  # fmt: skip
@click.option("--share", is_flag=True, help="Also open a public gradio.live link (off by default).")
@click.option("--warm-up/--no-warm-up", default=True, show_default=True,
              help="Load the default models in the background right after launch.")  # fmt: skip
def main(host: str, port: int, share: bool, warm_up: bool) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        registry = default_registry()
    except PlaygroundError as error:
        sys.exit(f"Cannot start: {error}")
    demo = build_app(registry)
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            share=share,
            css_paths=[CSS],
            **LAUNCH_OPTIONS,
            prevent_thread_lock=True,
            quiet=True,
        )
    except OSError as error:
        sys.exit(f"Cannot listen on {host}:{port} ({error}). Stop the program using that port, "
                 f"or pick another with --port {port + 1}.")  # fmt: skip
    print(f"Playground running at http://{host}:{port}", flush=True)
    if warm_up:
        start_warm_up(registry)
    demo.block_thread()


if __name__ == "__main__":
    main()
