"""Load: 24 gradio_client sessions at once, spread over every tab's endpoints, against the real
server. Zero errors and the same answers as when each call ran alone.

Reference answers are taken first, one call at a time; then every client starts at the same
moment (a barrier) and runs its share of the endpoints. Seeded and greedy calls must match their
reference exactly (images to within 2 levels of 255). Figures: test-artifacts/hosting-load.json.
"""

from __future__ import annotations

import io
import statistics
import threading
import time
from typing import Any

import httpx
import numpy as np
from PIL import Image

from tests.hosting.calls import EMBEDDER, IMAGE_MODEL, language_model
from tests.hosting.conftest import record
from tests.servers import WAIT_S

CLIENTS = 24
TASKS_PER_CLIENT = 3
SENTENCES = "A man is eating food.\nA man is eating a piece of bread.\nA man is riding a horse."


def pixels(file_data: dict[str, Any]) -> np.ndarray:
    data = httpx.get(file_data["url"], timeout=30).content
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


class Calls:
    """Every endpoint once, each returning what a correct answer is compared on."""

    def __init__(self, lm: str) -> None:
        self.lm = lm

    def text(self, client: Any) -> Any:
        text, status, tokens, _ = client.predict(
            self.lm, "the cat sat on", False, True, 0.0, 0, 1.0, 12, 1.0, 7,
            api_name="/generate_text",
        )  # fmt: skip
        assert "seed **7**" in status
        return text, [token["token"] for token in tokens]

    def probabilities(self, client: Any) -> Any:
        _, _, table = client.predict(
            self.lm, "the cat", False, 0.7, 5, 0.9, 1.0, 5, api_name="/token_probabilities"
        )
        return table["data"]

    def image(self, client: Any) -> Any:
        grid, summary = client.predict(
            IMAGE_MODEL, "a red cat on a white background", "", 8, 3.0, 3, "DDIM", 1,
            api_name="/generate_image",
        )  # fmt: skip
        assert "seed 3" in summary
        return pixels(grid)

    def frames(self, client: Any) -> Any:
        gallery, gif = client.predict(
            IMAGE_MODEL, "a blue square", "", 4, 3.0, 1, "DDIM", api_name="/denoising_frames"
        )
        assert gif["url"].endswith(".gif")
        return [item["caption"] for item in gallery]

    def embeddings(self, client: Any) -> Any:
        _, _, summary, _ = client.predict(
            source="Text box", text=SENTENCES, method="PCA", api_name="/project_embeddings"
        )
        assert "**3 sentences**" in summary
        rows, _ = client.predict(query="Someone eats bread.", k=2, api_name="/nearest_neighbors")
        return [row[1] for row in rows["data"]]

    def attention(self, client: Any) -> Any:
        answer = client.predict("the dog ran in the park", "", 1, 2, api_name="/attention")
        return answer["tokens"], np.round(answer["matrix"], 5).tolist()

    def models(self, client: Any) -> Any:
        rows = client.predict(api_name="/models")["data"]
        return sorted(row[0] for row in rows)

    def load_model(self, client: Any) -> Any:
        rows = client.predict(EMBEDDER, api_name="/load_model")["data"]
        return next(row[2] for row in rows if row[0] == EMBEDDER)

    def finetune(self, client: Any) -> Any:
        client.predict("Haiku", None, api_name="/inspect_data")
        status, *_ = client.predict(1, 0.002, 4, 32, 3, 0.0, 0, 8, api_name="/finetune")
        assert status.startswith("Done")
        rows = client.predict("the cat", 0.0, 0, 8, api_name="/compare_models")["data"]
        archive = client.predict(api_name="/export_adapter")
        assert archive["size"] > 1000
        return rows[0][0]  # answers are only checked for shape: each client trains its own


SHARED = ["text", "probabilities", "image", "frames", "embeddings", "attention", "models",
          "load_model"]  # fmt: skip
REQUESTS = {"embeddings": 2, "finetune": 4}  # calls per task (others: 1)


def test_many_clients_at_once_get_correct_answers(server) -> None:
    calls = Calls(language_model(server.client()))
    reference_client = server.client()
    expected = {name: getattr(calls, name)(reference_client) for name in SHARED}
    plans = [
        [SHARED[(n + k * 3) % len(SHARED)] for k in range(TASKS_PER_CLIENT)]
        + (["finetune"] if n < 2 else [])
        for n in range(CLIENTS)
    ]
    assert {task for plan in plans for task in plan} == {*SHARED, "finetune"}  # every endpoint
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def run(plan: list[str]) -> None:
        client = server.client()
        barrier.wait(timeout=WAIT_S)
        for task in plan:
            started = time.perf_counter()
            try:
                answer = getattr(calls, task)(client)
                if task in expected:
                    check(task, answer, expected[task])
            except Exception as error:  # counted, not raised: the test reports all of them
                with lock:
                    failures.append(f"{task}: {type(error).__name__}: {error}")
                continue
            with lock:
                per_call = (time.perf_counter() - started) / REQUESTS.get(task, 1)
                latencies.extend([per_call] * REQUESTS.get(task, 1))

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_S)
    wall = time.perf_counter() - started
    requests = sum(REQUESTS.get(task, 1) for plan in plans for task in plan)
    cuts = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else [0.0] * 19
    figures = {
        "clients": CLIENTS,
        "requests": requests,
        "errors": len(failures),
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(cuts[18], 3),
        "max_s": round(max(latencies, default=0.0), 3),
        "wall_s": round(wall, 1),
    }
    record("load", figures)
    assert not any(thread.is_alive() for thread in threads), (
        f"clients still running after {WAIT_S} s"
    )
    assert failures == [], failures
    assert len(latencies) == requests


def check(task: str, answer: Any, reference: Any) -> None:
    if task == "image":
        difference = np.abs(answer - reference).max()
        assert answer.shape == reference.shape and difference <= 2, f"image differs by {difference}"
    else:
        assert answer == reference, f"{task}: {answer!r} != {reference!r}"
