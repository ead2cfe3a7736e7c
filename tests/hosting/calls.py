"""Small helpers for talking to the test server: raw REST calls (for JSON that gradio_client cannot
send, such as NaN), the model names it serves, and a liveness check."""

from __future__ import annotations

import json
from typing import Any

import httpx

IMAGE_MODEL = "playground/cats-and-shapes-32px"
EMBEDDER = "sentence-transformers/all-MiniLM-L6-v2"


def raw_call(url: str, api_name: str, body: str, timeout: float = 60) -> tuple[str, Any]:
    """POST a hand-written JSON body to ``/gradio_api/call/<api_name>`` and read the answer's last
    event: ("complete", data) or ("error", message)."""
    base = f"{url}gradio_api/call/{api_name}"
    started = httpx.post(base, content=body, headers={"content-type": "application/json"})
    started.raise_for_status()
    reply = httpx.get(f"{base}/{started.json()['event_id']}", timeout=timeout)
    event, data = "", None
    for line in reply.text.splitlines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = json.loads(line.removeprefix("data: "))
    if event == "error" and isinstance(data, dict):
        return event, data.get("error")
    return event, data


def language_model(client: Any) -> str:
    """The served language model's name (the tiny model's folder path)."""
    rows = client.predict(api_name="/models")["data"]
    return next(row[0] for row in rows if row[1] == "causal-lm")


def assert_answers(client: Any) -> None:
    """The server still works: a real model call gives the right shape of answer."""
    answer = client.predict("the cat sat on the mat", "", 0, 0, api_name="/attention")
    assert answer["tokens"] == ["the", "cat", "sat", "on", "the", "mat"]
    assert all(abs(sum(row) - 1) < 1e-4 for row in answer["matrix"])
