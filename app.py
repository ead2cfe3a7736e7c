"""Generative-model playground: assemble the tabs, parse --host/--port/--share, launch. Nothing
here loads a model: the registry loads lazily, and a warm-up starts once the server is up."""

from __future__ import annotations

import os
import sys

import click

from models import zerogpu  # noqa: F401  # isort: skip  # (on ZeroGPU: `spaces` before torch)
import gradio as gr  # isort: skip

from components import (
    attention,
    embeddings,
    finetune,
    i18n,
    image,
    lessons,
    models_panel,
    serving,
    text,
)
from components.presenter import PAGE_OPTIONS, TITLE, presenter_bar, wire_presenter
from components.start_here import build as build_start_tab
from components.tokens import build as build_tokens_tab
from models.builtin import default_registry
from models.errors import PlaygroundError
from models.registry import Registry
from models.warm_up import start_warm_up


def build_app(registry: Registry, queue_size: int = serving.QUEUE_SIZE) -> gr.Blocks:
    serving.patch_gradio()  # numbers checked at the edge, the image cache written atomically
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=serving.DELETE_CACHE) as demo:
        bar, lesson = presenter_bar(), lessons.build()  # view, mode, scene link; the lessons
        tuned = finetune.new_session_state()  # this session's adapter, also used by the Text tab
        with gr.Tabs() as tabs:
            with gr.Tab("Start here", id="start"):
                built = [build_start_tab(tabs)]
            with gr.Tab("Text", id="text"):
                built.append(writer := text.build(registry, tuned))
            with gr.Tab("Image", id="image"):
                built.append(image.build(registry))
            with gr.Tab("Tokens", id="tokens"):
                built.append(build_tokens_tab(registry))
            with gr.Tab("Embeddings", id="embeddings"):
                built.append(embeddings.build(registry))
            with gr.Tab("Attention", id="attention"):
                built.append(looker := attention.build(registry))
            with gr.Tab("Fine-tune", id="finetune"):
                built.append(tuner := finetune.build(registry, tuned))
            with gr.Tab("Models", id="models"):
                built.append(models_panel.build(registry))
        looker.wire_send(writer.send_to_attention, writer.output, tabs, writer.model)  # across
        tuner.wire_try_in_text(writer.use_tuned, writer.prompt, tabs)
        wire_presenter(demo, tabs, bar, [t.presets for t in built if t.presets])  # deep links
        lesson.wire(demo, tabs)  # ?lesson=…&step=…, the language, each step's demo
    i18n.localise(demo)  # the page's words marked for Gradio's translations (components/i18n.py)
    demo.queue(max_size=queue_size, **serving.QUEUE)
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
        demo = build_app(registry := default_registry())
        demo.launch(server_name=host, server_port=port, share=share, prevent_thread_lock=True,
                    quiet=True, **PAGE_OPTIONS, **serving.LAUNCH_OPTIONS)  # fmt: skip
    except PlaygroundError as error:
        sys.exit(f"Cannot start: {error}")
    except OSError as error:
        sys.exit(serving.cannot_listen(host, port, error))
    print(f"Playground running at http://{host}:{port}", flush=True)
    if warm_up:
        start_warm_up(registry)
    demo.block_thread()


if __name__ == "__main__":
    main()
