"""Isolation: user A fine-tunes while user B generates. B always gets the base model's output, and
nothing of A's session (data, adapter) is visible to B.

Both users are separate gradio_client sessions against the real server, as two browsers would be.
"""

from __future__ import annotations

import time

import pytest
from gradio_client.exceptions import AppError

from tests.hosting.calls import language_model
from tests.servers import WAIT_S

PROMPT = "the cat sat on"


def generate(client, lm: str) -> str:
    text, *_ = client.predict(
        lm, PROMPT, False, True, 0.0, 0, 1.0, 12, 1.0, 7, api_name="/generate_text"
    )
    return text


def next_tokens(client, lm: str) -> list:
    _, _, table = client.predict(
        lm, PROMPT, False, 1.0, 0, 1.0, 1.0, 8, api_name="/token_probabilities"
    )
    return table["data"]


def test_b_gets_base_output_while_a_fine_tunes(server) -> None:
    user_a, user_b = server.client(), server.client()
    lm = language_model(user_b)
    base_text, base_tokens = generate(user_b, lm), next_tokens(user_b, lm)

    user_a.predict("Pirate speak", None, api_name="/inspect_data")
    # Many steps at a high learning rate: the adapter changes the tiny model's answers a lot.
    training = user_a.submit(4, 0.01, 16, 32, 150, 0.0, 0, 12, api_name="/finetune")
    during = 0
    deadline = time.monotonic() + WAIT_S
    while not training.done() and time.monotonic() < deadline:
        assert generate(user_b, lm) == base_text
        assert next_tokens(user_b, lm) == base_tokens
        during += 1 if not training.done() else 0
    status, *_ = training.result(timeout=WAIT_S)
    assert status.startswith("Done"), status
    assert during >= 1, "B never generated while A was training: the test proved nothing"

    # A's adapter is real: it changes A's answers...
    rows = user_a.predict(PROMPT, 0.0, 7, 12, api_name="/compare_models")["data"]
    assert rows[0][1] != rows[0][2], "the adapter did not change the answer"
    # ...and writes A's text when A asks for it...
    ask = dict(model_name=lm, prompt_text=PROMPT, seed_value=7, max_new_tokens=6)
    _, status, *_ = user_a.predict(**ask, use_finetuned=True, api_name="/generate_text")
    assert "your fine-tuned model" in status
    # ...and B sees none of it: base output, and no adapter in B's session.
    assert generate(user_b, lm) == base_text
    with pytest.raises(AppError, match="no fine-tuned model in this session"):
        user_b.predict(**ask, use_finetuned=True, api_name="/generate_text")
    with pytest.raises(AppError, match="Fine-tune a model first"):
        user_b.predict(PROMPT, 0.0, 7, 12, api_name="/compare_models")
    with pytest.raises(AppError, match="Fine-tune a model first"):
        user_b.predict(api_name="/export_adapter")
    with pytest.raises(AppError, match="Pick a data set"):  # A's data is A's
        user_b.predict(1, 0.002, 4, 32, 2, 0.0, 0, 8, api_name="/finetune")
