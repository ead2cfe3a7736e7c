"""Cancel frees resources: a cancelled fine-tuning run stops, and gives up its slot.

Fine-tuning runs one at a time (components/concurrency.py). User A starts a long run and cancels
it after the first step: A's stream must stop there (no more steps, never "Done"), and user B's
short run, queued behind it, must then be served.
"""

from __future__ import annotations

import time

from gradio_client.utils import Status


def test_cancelled_training_frees_the_slot(server) -> None:
    user_a, user_b = server.client(), server.client()
    user_a.predict("Haiku", None, api_name="/inspect_data")
    user_b.predict("Haiku", None, api_name="/inspect_data")
    long_run = user_a.submit(10, 0.002, 8, 64, 500, 0.0, 0, 8, api_name="/finetune")
    deadline = time.monotonic() + 60
    while not any("step" in str(out[0]) for out in long_run.outputs()):
        assert time.monotonic() < deadline, "A's training never started"
        time.sleep(0.1)
    long_run.cancel()
    time.sleep(1.0)
    steps_at_cancel = len(long_run.outputs())
    started = time.perf_counter()
    status, *_ = user_b.predict(1, 0.002, 4, 32, 2, 0.0, 0, 8, api_name="/finetune")
    waited = time.perf_counter() - started
    assert status.startswith("Done")
    assert waited < 30, f"B waited {waited:.0f} s: A's cancelled training kept running"
    assert len(long_run.outputs()) == steps_at_cancel, "A's training went on after Cancel"
    assert not any(str(out[0]).startswith("Done") for out in long_run.outputs())
    assert long_run.status().code == Status.CANCELLED
