"""Cancel frees resources: a cancelled fine-tuning run stops, and gives up its slot.

Fine-tuning runs one at a time (components/concurrency.py). User A starts a long run and cancels
it once it is under way: A's stream must stop there (no more steps, never "Done"), and user B's
short run, queued behind it, must then be served without waiting for the rest of A's run.

No guessed delays: the test waits on A's own progress to start, on A's job to end after Cancel,
and on B's answer. "Without waiting for the rest of A's run" is measured against A's own pace,
timed by the test between two of A's steps: B's whole call must take less than half of the time
A's remaining steps would have taken.
"""

from __future__ import annotations

import concurrent.futures
import csv
import re
import time
from pathlib import Path

from gradio_client import handle_file
from gradio_client.utils import Status

from models.finetune.data import MAX_EXAMPLES
from tests.hosting.conftest import record
from tests.servers import WAIT_S
from tests.tiny_models import WORDS

# A's run: the most examples an upload may hold, the most epochs, the longest sequences and the
# highest rank, so that the rest of it would take far longer than B's whole call.
LONG_RUN = (10, 0.002, 64, 256, 500, 0.0, 0, 8)  # epochs, learning rate, rank, length, steps, ...
SHORT_RUN = (1, 0.002, 4, 32, 2, 0.0, 0, 8)
PROGRESS = re.compile(r"step (\d+) of (\d+)")
PACED = (2, 12)  # A's pace is timed from its step 2 to its step 12


def long_data(folder: Path) -> Path:
    """MAX_EXAMPLES prompt/response pairs of the tiny model's words, each ~250 tokens long."""
    rows = [["prompt", "response"]]
    for n in range(MAX_EXAMPLES):
        response = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(250))
        rows.append([f"{WORDS[n % 7]} {WORDS[n % 5]}", response])
    path = folder / "long.csv"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def test_cancelled_training_frees_the_slot(server, tmp_path: Path) -> None:
    user_a, user_b = server.client(), server.client()
    user_a.predict("Upload a file", handle_file(long_data(tmp_path)), api_name="/inspect_data")
    user_b.predict("Haiku", None, api_name="/inspect_data")
    long_run = user_a.submit(*LONG_RUN, api_name="/finetune")
    seen: dict[int, float] = {}
    for status, *_ in long_run:  # A's own progress, as it streams
        progress = PROGRESS.search(str(status))
        if progress:
            step, total = int(progress.group(1)), int(progress.group(2))
            seen.setdefault(step, time.perf_counter())
            if step >= PACED[1]:
                break
    first = min(s for s in seen if s >= PACED[0])
    pace = (seen[step] - seen[first]) / (step - first)  # seconds per step of A
    long_run.cancel()
    done, _ = concurrent.futures.wait([long_run.future], timeout=WAIT_S)
    assert done, "A's job did not end after Cancel"
    steps_at_cancel = len(long_run.outputs())
    rest_of_a = pace * (total - step)

    started = time.perf_counter()
    status, *_ = user_b.predict(*SHORT_RUN, api_name="/finetune")
    waited = time.perf_counter() - started
    assert status.startswith("Done")
    figures = {"a_steps": step, "a_total": total, "a_seconds_per_step": round(pace, 4),
               "rest_of_a_s": round(rest_of_a, 1), "b_waited_s": round(waited, 2)}  # fmt: skip
    record("cancel", figures)
    assert waited < rest_of_a / 2, (
        f"B waited {waited:.0f} s, as long as A's remaining {total - step} steps would take "
        f"(~{rest_of_a:.0f} s): A's cancelled training kept its slot"
    )
    assert len(long_run.outputs()) == steps_at_cancel, "A's training went on after Cancel"
    assert not any(str(out[0]).startswith("Done") for out in long_run.outputs())
    assert long_run.status().code == Status.CANCELLED
