"""Generative-model playground: assemble the tabs, parse --host/--port/--share, launch.

Run ``make run`` (or ``python app.py --help``). Nothing here loads a model: the registry loads
lazily, and a background warm-up starts once the server is up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import gradio as gr

from components import attention, embeddings, finetune, image, models_panel, start_here, text
from components.presenter import presenter_bar, wire_presenter
from models.builtin import default_registry
from models.errors import PlaygroundError
from models.registry import Registry
from models.warm_up import start_warm_up

CSS = Path(__file__).parent / "assets" / "style.css"
QUEUE_SIZE = 64  # past this, users get "busy, try again" instead of the server running out of RAM


def build_app(registry: Registry) -> gr.Blocks:
    with gr.Blocks(title="Generative-model playground", analytics_enabled=False) as demo:
        bar = presenter_bar()  # view, presenter mode, link to this scene
        with gr.Tabs() as tabs:
            with gr.Tab("Start here", id="start"):
                start_here.build(tabs)
            with gr.Tab("Text", id="text"):
                text_tab = text.build(registry)
            with gr.Tab("Image", id="image"):
                image_demos = image.build(registry)
            with gr.Tab("Embeddings", id="embeddings"):
                embedding_demos = embeddings.build(registry)
            with gr.Tab("Attention", id="attention"):
                attention_tab = attention.build(registry)
            with gr.Tab("Fine-tune", id="finetune"):
                finetune_demos = finetune.build(registry)
            with gr.Tab("Models", id="models"):
                models_panel.build(registry)
        # Cross-tab: the text the Text tab wrote, inspected in the Attention tab.
        attention_tab.wire_send(text_tab.send_to_attention, text_tab.output,
                                registry.default("causal-lm"), tabs)  # fmt: skip
        demos = [text_tab.presets, image_demos, embedding_demos, attention_tab.presets]
        wire_presenter(demo, tabs, bar, [*demos, finetune_demos])  # ?tab=…&preset=… links
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=2)
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
            ssr_mode=False,  # no Node server: one process, no extra attack surface
            max_file_size="50mb",
            css_paths=[CSS],
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
