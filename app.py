"""Generative-model playground: assemble the tabs, parse --host/--port/--share, launch.

Run ``make run`` (or ``python app.py --help``). Nothing here loads a model: the registry loads
lazily, and a background warm-up starts once the server is up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
from components.presenter import PAGE_JS, presenter_bar, wire_presenter
from components.serving import DEFAULT_CONCURRENCY, DELETE_CACHE, LAUNCH_OPTIONS, QUEUE_SIZE
from models.builtin import default_registry
from models.errors import PlaygroundError
from models.registry import Registry
from models.warm_up import start_warm_up

CSS = Path(__file__).parent / "assets" / "style.css"


def build_app(registry: Registry, queue_size: int = QUEUE_SIZE) -> gr.Blocks:
    number_guard.install()  # API callers sending "abc" or NaN for a slider get a sentence
    title = "Generative-model playground"
    with gr.Blocks(title=title, analytics_enabled=False, delete_cache=DELETE_CACHE) as demo:
        bar = presenter_bar()  # view, presenter mode, link to this scene
        tuned = finetune.new_session_state()  # this session's adapter, also used by the Text tab
        with gr.Tabs() as tabs:
            with gr.Tab("Start here", id="start"):
                start_here.build(tabs)
            with gr.Tab("Text", id="text"):
                text_tab = text.build(registry, tuned)
            with gr.Tab("Image", id="image"):
                image_demos = image.build(registry)
            with gr.Tab("Embeddings", id="embeddings"):
                embedding_demos = embeddings.build(registry)
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
        demos = [text_tab.presets, image_demos, embedding_demos, attention_tab.presets]
        wire_presenter(demo, tabs, bar, [*demos, finetune_tab.presets])  # ?tab=…&preset=… links
    demo.queue(max_size=queue_size, default_concurrency_limit=DEFAULT_CONCURRENCY)
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
        demo.launch(server_name=host, server_port=port, share=share, css_paths=[CSS], js=PAGE_JS,
                    prevent_thread_lock=True, quiet=True, **LAUNCH_OPTIONS)  # fmt: skip
    except OSError as error:
        sys.exit(f"Cannot listen on {host}:{port} ({error}). Stop the program using that port, "
                 f"or pick another with --port {port + 1}.")  # fmt: skip
    print(f"Playground running at http://{host}:{port}", flush=True)
    if warm_up:
        start_warm_up(registry)
    demo.block_thread()


if __name__ == "__main__":
    main()
