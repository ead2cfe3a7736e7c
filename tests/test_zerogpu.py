"""ZeroGPU, simulated: every heavy endpoint goes through ``spaces.GPU``, and what crosses into the
GPU worker (arguments) and back (results) survives pickling, as it must on a real ZeroGPU Space.

The fake ``spaces.GPU`` below does what the real one does to data (a round trip through pickle,
each way, per call and per streamed update) without a GPU or a second process.
"""

from __future__ import annotations

import functools
import inspect
import pickle
import types
from typing import Any

import pytest

from app import build_app
from models import zerogpu
from tests.hosting.calls import IMAGE_MODEL
from tests.hosting.server import tiny_registry


def round_trip(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value))


def fake_spaces(calls: list[str]) -> types.SimpleNamespace:
    def gpu(duration: int):
        def decorate(fn):
            if inspect.isgeneratorfunction(fn):

                @functools.wraps(fn)
                def stream(*args, **kwargs):
                    calls.append(fn.__name__)
                    args, kwargs = round_trip((args, kwargs))
                    for item in fn(*args, **kwargs):
                        yield round_trip(item)

                return stream

            @functools.wraps(fn)
            def call(*args, **kwargs):
                calls.append(fn.__name__)
                args, kwargs = round_trip((args, kwargs))
                return round_trip(fn(*args, **kwargs))

            return call

        return decorate

    return types.SimpleNamespace(GPU=gpu)


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory):
    calls: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zerogpu, "spaces", fake_spaces(calls))
        patch.setenv("SPACES_ZERO_GPU", "true")
        registry = tiny_registry(tmp_path_factory.mktemp("zerogpu"))
        demo = build_app(registry)
        handlers = {fn.api_name: fn.fn for fn in demo.fns.values() if fn.api_name}
        yield handlers, calls, registry.default("causal-lm")


def last(result: Any) -> Any:
    """A handler's answer: the last update of a stream, or the return value."""
    if inspect.isgenerator(result):
        updates = list(result)
        return updates[-1] if updates else None
    return result


def test_each_heavy_endpoint_crosses_to_the_gpu_worker(endpoints) -> None:
    handlers, calls, lm = endpoints
    cases = {
        "generate_text": [lm, "the cat", False, True, 0.0, 0, 1.0, 4, 1.0, 7],
        "token_probabilities": [lm, "the cat", False, 1.0, 0, 1.0, 1.0, 5],
        "generate_image": [IMAGE_MODEL, "a red cat", "", 3, 3.0, 0, "DDIM", 1],
        "denoising_frames": [IMAGE_MODEL, "a red cat", "", 3, 3.0, 0, "DDIM"],
        "attention": ["the cat sat", "", 0, 0],
    }
    # the Text tab's session (its Stop button's) is a keyword: no API caller sends it
    own = {"generate_text": {"use_finetuned": False, "session": {}}}
    for name, args in cases.items():
        before = len(calls)
        assert last(handlers[name](*args, **own.get(name, {}))) is not None, name
        assert len(calls) == before + 1, f"{name} did not go through spaces.GPU"
    before = len(calls)
    answer = last(handlers["project_embeddings"](source="Text box", text="a\nb\nc", method="PCA"))
    assert "**3 sentences**" in answer[2] and len(calls) == before + 1


def test_fine_tuning_state_comes_back_through_the_outputs(endpoints) -> None:
    """In a GPU worker the session object is a copy: what training changed must come back as an
    output (Gradio stores it in the session), and comparisons must work from that."""
    handlers, calls, lm = endpoints
    _, _, session = handlers["inspect_data"]("Haiku", None)
    status, *_, trained = last(handlers["finetune"](session, 1, 0.002, 4, 32, 2, 0.0, 0, 8, {}))
    assert status.startswith("Done") and trained.adapter is not None
    assert session.adapter is None  # the original never saw the worker's changes
    rows = handlers["compare_models"](trained, "the cat", 0.0, 0, 8)
    assert rows[0][0] == "the cat" and calls[-1] == "compare"
    # the Text tab's "use my fine-tuned model": the adapter crosses to the worker by value
    ask = (lm, "the cat", False, True, 0.0, 0, 1.0, 4, 1.0, 7)
    tuned = {"use_finetuned": True, "session": {}, "tuned_session": trained}
    _, status, *_ = last(handlers["generate_text"](*ask, **tuned))
    assert "your fine-tuned model" in status


def test_stop_event_stays_out_of_the_gpu_worker(endpoints) -> None:
    """A session's stop event cannot be pickled: on ZeroGPU it is not handed to the worker."""
    import threading

    handlers, _, lm = endpoints
    control = {"stop": threading.Event()}  # left by an earlier run in this session
    text, *_ = last(handlers["generate_text"](lm, "the cat", False, True, 0.0, 0, 1.0, 4, 1.0, 7,
                                              use_finetuned=False, session=control))  # fmt: skip
    assert isinstance(text, str)


def test_registry_cannot_cross_to_the_worker() -> None:
    from models.registry import Registry

    with pytest.raises((TypeError, pickle.PicklingError)):
        pickle.dumps(Registry())  # which is why the handlers keep it in their closures


def test_the_learning_dynamics_views_cross_to_the_gpu_worker(endpoints) -> None:
    """Bringing back an adapter and the overfitting demo run in the worker; the session an
    import fills comes back through the outputs, and the cancel event stays out."""
    handlers, calls, _ = endpoints
    _, _, session = handlers["inspect_data"]("Haiku", None)
    *_, trained = last(handlers["finetune"](session, 1, 0.002, 4, 32, 2, 0.0, 0, 8, {}))
    archive = handlers["export_adapter"](trained)
    summary, _, _, back = handlers["import_adapter"](None, archive)
    assert "Brought back a LoRA adapter" in summary and calls[-1] == "import_on_device"
    assert back.adapter is not None and back.adapter.losses == trained.adapter.losses
    import threading

    status, *_ = last(handlers["overfit_demo"]({"cancel": threading.Event()}))
    assert status.startswith("Done") and calls[-1] == "overfit_on_device"
