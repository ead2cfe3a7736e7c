"""The app shell: it builds with any registry, handlers answer, launch errors are sentences."""

from __future__ import annotations

import socket
from pathlib import Path

import gradio as gr
import pytest
from click.testing import CliRunner

import app
from app import build_app
from components.errors import user_errors
from components.models_panel import format_parameters, load_model, models_table
from models.errors import ModelUnavailableError
from models.registry import Registry
from tests.fakes import CountingLoader, fake_spec

ROOT = Path(__file__).resolve().parent.parent


def fake_registry() -> Registry:
    registry = Registry()
    registry.register(fake_spec("fake-lm"))
    registry.register(fake_spec("fake-enc", kind="sentence-embedder"))
    return registry


def test_app_builds_with_every_tab_and_api() -> None:
    demo = build_app(fake_registry())
    labels = {block.label for block in demo.blocks.values() if isinstance(block, gr.Tab)}
    assert labels == {
        "Start here",
        "Text",
        "Image",
        "Tokens",
        "Embeddings",
        "Attention",
        "Fine-tune",
        "Models",
    }
    api_names = {dep.api_name for dep in demo.fns.values()}
    assert {
        "models",
        "load_model",
        "tokenizer_lens",
        "train_classifier",
        "classify_sentence",
        "head_arithmetic",
        "logit_lens",
        "branch_text",
        "sample_texts",
        "explain_token",
        "guidance_parts",
        "guidance_grid",
        "prompt_switch",
        "forward_noise",
    } <= api_names


def test_models_table_shows_state_and_source() -> None:
    registry = fake_registry()
    assert [row[2] for row in models_table(registry)] == ["not loaded", "not loaded"]
    rows = load_model(registry, "fake-lm")
    assert rows[0][:5] == ["fake-lm", "causal-lm", "loaded", "local", "/fake/fake-lm"]
    assert rows[0][5] == "0.0M" and rows[0][6] == "cpu"


def test_format_parameters() -> None:
    assert format_parameters(134_515_008) == "134.5M"
    assert format_parameters(1_700_000_000) == "1.70B"
    assert format_parameters(None) == ""


def test_errors_reach_the_user_as_sentences() -> None:
    registry = fake_registry()
    registry.register(
        fake_spec(
            "gone",
            loader=CountingLoader(error=ModelUnavailableError("Weights missing: run make setup.")),
        )
    )
    handler = user_errors(lambda name: load_model(registry, name))
    with pytest.raises(gr.Error, match="No model named 'nope'"):
        handler("nope")
    with pytest.raises(gr.Error, match=r"Weights missing: run make setup\."):
        handler("gone")
    buggy = user_errors(lambda: 1 / 0)
    with pytest.raises(gr.Error, match="Something went wrong on the server"):
        buggy()


def test_generator_handlers_are_wrapped_too() -> None:
    def stream():
        yield 1
        raise ModelUnavailableError("Gone.")

    with pytest.raises(gr.Error, match=r"Gone\."):
        list(user_errors(stream)())


def test_port_in_use_is_one_clear_sentence(monkeypatch) -> None:
    """The whole app is built, and the launch refused with a sentence (in-process: the same
    ``main`` that ``python app.py`` runs)."""
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app.main, ["--port", str(port), "--no-warm-up"])
    assert result.exit_code == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.output
    assert f"--port {port + 1}" in result.output
    assert "Traceback" not in result.output


def test_bad_model_configuration_is_one_clear_sentence(monkeypatch) -> None:
    monkeypatch.setenv("PLAYGROUND_MODELS", "gpt2")
    result = CliRunner().invoke(app.main, ["--no-warm-up"])
    assert result.exit_code == 1
    assert "Cannot start: PLAYGROUND_MODELS entry 'gpt2' is not of the form kind:model" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_bad_port_is_refused_by_the_parser() -> None:
    result = CliRunner().invoke(app.main, ["--port", "99999"])
    assert result.exit_code == 2
    assert "--port" in result.output and "Traceback" not in result.output
