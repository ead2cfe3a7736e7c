"""The Attention tab builds, registers its API endpoint, and can receive text from another tab."""

from __future__ import annotations

import gradio as gr

from components.attention import tab as attention
from models.builtin import default_registry


def test_build_returns_handles_and_wire_send_targets_the_text_box() -> None:
    registry = default_registry({})
    with gr.Blocks() as demo:
        with gr.Tabs() as tabs:
            with gr.Tab("Text", id="text"):
                generated = gr.Textbox()
                send = gr.Button("Send to Attention")
            with gr.Tab("Attention", id="attention"):
                handles = attention.build(registry)
        handles.wire_send(send, generated, model_name=registry.default("causal-lm"), tabs=tabs)
    api_names = {fn.api_name for fn in demo.fns.values()}
    assert "attention" in api_names
    sends = [fn for fn in demo.fns.values() if (send._id, "click") in fn.targets]
    assert len(sends) == 1
    send_fn = sends[0]
    assert [c._id for c in send_fn.inputs] == [generated._id]
    assert {c._id for c in send_fn.outputs} == {handles.text._id, handles.model._id, tabs._id}
    text, model, tab = send_fn.fn("Once upon a time")
    assert text == "Once upon a time" and model == registry.default("causal-lm")
    assert tab.selected == "attention"


def test_the_tab_builds_without_any_attention_model() -> None:
    from models.registry import Registry
    from tests.fakes import fake_spec

    registry = Registry()
    registry.register(fake_spec("painter", kind="text-to-image"))
    with gr.Blocks():
        handles = attention.build(registry)
    assert handles.model.choices == []
