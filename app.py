"""Generative-model playground: assemble the tabs, parse --host/--port/--share, launch. Nothing
here loads a model: the registry loads lazily, and a warm-up starts once the server is up."""

from __future__ import annotations

import os
import sys

import click

from models import zerogpu  # noqa: F401  # isort: skip  # (on ZeroGPU: `spaces` before torch)
import gradio as gr  # isort: skip

from components import finetune, i18n, lessons, serving, warm_up_line
from components.presenter import PAGE_OPTIONS, TITLE, presenter_bar, wire_presenter
from components.tabs import TABS, TabContext
from models.builtin import default_registry
from models.errors import PlaygroundError
from models.registry import Registry
from models.warm_up import start_warm_up


def build_app(registry: Registry, queue_size: int = serving.QUEUE_SIZE) -> gr.Blocks:
    serving.patch_gradio()  # numbers checked at the edge, the image cache written atomically
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=serving.DELETE_CACHE) as demo:
        bar, lesson = presenter_bar(), lessons.build()  # view, mode, scene link; the lessons
        tuned = finetune.new_session_state()  # this session's adapter, also used by the Text tab
        warm_up_line.build(registry, demo)  # "Getting ready: 3 of 7 ready …" until warmed up
        with gr.Tabs() as tabs:
            page, built = TabContext(registry, tuned, tabs), {}
            for tab in TABS:  # components/tabs.py: id, name and builder of each, in page order
                with gr.Tab(tab.name, id=tab.id):
                    built[tab.id] = tab.build(page)
        # Across tabs: the Text tab sends its text to Attention; Fine-tune opens Text with it.
        writer, looker, tuner = built["text"], built["attention"], built["finetune"]
        looker.wire_send(writer.send_to_attention, writer.output, tabs, writer.model)
        tuner.wire_try_in_text(writer.use_tuned, writer.prompt, tabs)
        # Deep links, view, mode and "copy link", from every tab's one-click demos.
        wire_presenter(demo, tabs, bar, [t.presets for t in built.values() if t.presets])
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
