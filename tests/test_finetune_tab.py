"""The Fine-tune tab's handlers, driven as the browser would call them, on a tiny seeded model."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from components.finetune.data_handlers import UPLOAD, inspect_data
from components.finetune.handlers import (
    cancel_training,
    compare_models,
    export_adapter,
    run_finetune,
    show_drift,
)
from components.finetune.session import TuneSession, release
from models.errors import InvalidInputError
from models.finetune.compare import CompareSettings
from models.finetune.settings import TrainSettings
from models.finetune.training import ADAPTERS
from models.registry import LoadedModel, ModelSpec, Registry
from models.sources import ModelSource
from tests.tiny_models import save_tiny_causal_lm

LINES = ["the cat,sat on the mat", "a dog,ran in the park", "hello,world", "the dog,sat on a mat"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from models.text.causal_lm import CausalLM

    folder = save_tiny_causal_lm(tmp_path_factory.mktemp("tiny") / "lm", seed=5)

    def load(source: ModelSource) -> LoadedModel:
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
        # loaded under its path, as real models are: handlers must use the registry's name
        lm = CausalLM(model, AutoTokenizer.from_pretrained(folder), str(folder))
        return LoadedModel(lm, 1, "cpu", "float32")

    registry = Registry()
    registry.register(ModelSpec("tiny-lm", "causal-lm", lambda: ModelSource("local", "x"), load))
    return registry


@pytest.fixture
def upload(tmp_path: Path) -> str:
    path = tmp_path / "mine.csv"
    path.write_text("prompt,response\n" + "\n".join(LINES * 3) + "\n", encoding="utf-8")
    return str(path)


COMPARED = ("temperature", "seed", "max_new_tokens")  # the rest are training settings


def train(registry: Registry, session: TuneSession, **overrides) -> list[tuple]:
    """A run as /finetune makes it: the values (raw, as an API caller sends them) checked into
    the two settings objects, each value under its name."""
    settings = {
        "epochs": 4,
        "learning_rate": 1e-2,
        "rank": 8,
        "max_seq_len": 16,
        "max_steps": 40,
        "temperature": 0.0,
        "seed": 0,
        "max_new_tokens": 5,
    }
    settings.update(overrides)
    compare = CompareSettings.checked(**{name: settings.pop(name) for name in COMPARED})
    return list(
        run_finetune(
            registry=registry, session=session, train=TrainSettings.checked(**settings),
            compare=compare,
        )
    )  # fmt: skip


# The run the cancel tests start (the same values as ``train``'s).
CANCELLED_RUN = {
    "train": TrainSettings(epochs=4, learning_rate=1e-2, rank=8, max_seq_len=16, max_steps=40),
    "compare": CompareSettings(temperature=0.0, seed=0, max_new_tokens=5),
}


def test_builtin_set_summary_and_preview(registry: Registry) -> None:
    summary, preview, session = inspect_data(registry, "Pirate speak", None)
    assert "jsonl prompt/response, 100 examples → 80 to train on, 20 held out" in summary
    assert "Tokens per example" in summary
    assert preview[0] == [
        "What is the capital of France?",
        "Arr, the capital of France be Paris. Arr!",
    ]
    assert len(session.split.train) == 80


def test_upload_summary_names_problems(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("prompt,response\n" + "\n".join(LINES) + "\nq,\n", encoding="utf-8")
    summary, _, _ = inspect_data(registry, UPLOAD, str(path))
    assert "rows.csv" in summary and "4 examples" in summary
    assert "row 6, column 'response' is empty" in summary
    with pytest.raises(InvalidInputError, match=r"Upload a \.csv"):
        inspect_data(registry, UPLOAD, None)


def test_training_streams_progress_then_compares(registry: Registry, upload: str) -> None:
    _, _, session = inspect_data(registry, UPLOAD, upload)
    updates = train(registry, session)
    statuses = [u[0] for u in updates]
    assert statuses[0].startswith("Preparing")
    assert any(s.startswith("Epoch 1, step 1 of") for s in statuses)
    assert statuses[-1].startswith("Done")
    final = updates[-1]
    assert final[1] is not None and len(final[1].data[0].y) == session.adapter.steps
    assert "| loss |" in final[2] and "perplexity" in final[2]
    assert session.loss_after < session.loss_before
    assert len(final[3]) == len(session.split.held_out)
    prompt, base, tuned, expected = final[3][0]
    assert prompt and expected and isinstance(base, str) and isinstance(tuned, str)
    rows = compare_models(
        registry=registry, session=session, prompts="the cat\n\n a dog ",
        compare=CompareSettings(temperature=0.0, seed=0, max_new_tokens=5),
    )  # fmt: skip
    assert [r[0] for r in rows] == ["the cat", "a dog"]
    archive = export_adapter(registry, session)
    assert "lora-adapter/adapter_config.json" in zipfile.ZipFile(archive).namelist()
    config = json.loads(zipfile.ZipFile(archive).read("lora-adapter/adapter_config.json"))
    assert config["base_model_name_or_path"] == "tiny-lm"  # the registry's name, not a path
    figure, summary = show_drift(registry, session)
    assert "held-out answers" in summary and len(figure.data) >= 3
    release(session)


def test_sessions_hold_separate_adapters(registry: Registry, upload: str) -> None:
    held = ADAPTERS.held
    _, _, first = inspect_data(registry, UPLOAD, upload)
    _, _, second = inspect_data(registry, "Haiku", None)
    train(registry, first, max_steps=3)
    train(registry, second, max_steps=2, seed=1)
    assert first.adapter is not second.adapter and first.key != second.key
    assert ADAPTERS.held == held + 2
    release(first)
    release(second)
    assert ADAPTERS.held == held


def test_nothing_to_compare_or_export_before_training(registry: Registry) -> None:
    _, _, session = inspect_data(registry, "Haiku", None)
    with pytest.raises(InvalidInputError, match="Fine-tune a model first"):
        compare_models(
            registry=registry, session=session, prompts="hello",
            compare=CompareSettings(temperature=0, seed=0, max_new_tokens=8),
        )  # fmt: skip
    with pytest.raises(InvalidInputError, match="Fine-tune a model first"):
        export_adapter(registry, None)
    with pytest.raises(InvalidInputError, match="Pick a data set"):
        train(registry, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"epochs": float("nan")}, "epochs must be a whole number from"),
        ({"learning_rate": -0.1}, "learning_rate must be a number from"),
        ({"max_steps": 0}, "max_steps must be a whole number from"),
        ({"max_new_tokens": 10_000}, "max_new_tokens must be a whole number from"),
        ({"temperature": float("inf")}, "temperature must be a number from"),
    ],
)
def test_bad_hyperparameters_via_api(registry: Registry, overrides: dict, message: str) -> None:
    _, _, session = inspect_data(registry, "Haiku", None)
    with pytest.raises(InvalidInputError, match=message):
        train(registry, session, **overrides)
    assert session.adapter is None


def test_cancel_button_stops_the_run_even_when_its_stream_goes_on(registry: Registry) -> None:
    """Gradio's cancel cannot always reach a stream (a closed tab): the session's own cancel
    event stops training within one step anyway, and the run ends with what it learned."""
    _, _, session = inspect_data(registry, "Haiku", None)
    control: dict = {}
    stream = run_finetune(registry=registry, session=session, **CANCELLED_RUN, control=control)
    statuses = []
    for status, *_ in stream:
        statuses.append(status)
        if status.startswith("Epoch 1, step 2 of"):
            assert cancel_training(control).startswith("Cancelling")
    assert session.adapter is not None and session.adapter.stopped == "cancelled"
    assert session.adapter.steps in (2, 3)  # the step under way when Cancel came may finish
    assert not any("step 5 of" in s for s in statuses)
    # The stream ends with where it stopped (no comparison after a cancel), not with an error.
    assert statuses[-1].startswith(f"Cancelled at step {session.adapter.steps} of ")
    assert cancel_training({}).startswith("Nothing is training")  # nothing running: harmless
    assert cancel_training(control).startswith("Nothing is training")  # already stopped
    release(session)


def test_cancel_while_the_run_prepares_ends_it_before_its_first_step(registry: Registry) -> None:
    """A press while the status still says "Preparing" used to be ignored ("Nothing is
    training") and the run went on to its end: the cancel event is now the session's from the
    run's first update."""
    _, _, session = inspect_data(registry, "Haiku", None)
    control: dict = {}
    stream = run_finetune(registry=registry, session=session, **CANCELLED_RUN, control=control)
    status, *_ = next(stream)
    assert status.startswith("Preparing")
    assert cancel_training(control).startswith("Cancelling")
    statuses = [status for status, *_ in stream]
    assert statuses == ["Cancelled before the first step: nothing was trained. Press Fine-tune "
                        "to start again."]  # fmt: skip
    assert session.adapter is None  # nothing trained, nothing kept
    release(session)


def test_picking_data_again_reuses_the_sessions_slot(registry: Registry, upload: str) -> None:
    """Issue 16 item 4: every pick of a data set (the radio re-runs /inspect_data) used to start a
    new session and claim a new slot on the next run; 7 picks locked fine-tuning for everyone.
    The tab names the slot after the browser session, so picks share it."""
    held = ADAPTERS.held
    _, _, session = inspect_data(registry, UPLOAD, upload, "session-abc")
    for round_number in range(ADAPTERS.limit + 2):  # more rounds than the server has slots
        train(registry, session, max_steps=1)
        assert ADAPTERS.held == held + 1, round_number
        _, _, session = inspect_data(registry, "Haiku", None, "session-abc")
    release(session)
    assert ADAPTERS.held == held


def test_base_loss_follows_the_token_limit_of_each_run(registry: Registry, tmp_path: Path) -> None:
    """Issue 16 item 3: "before" is measured at the run's own limit, the same as a fresh session."""
    path = tmp_path / "long.csv"
    answer = " ".join(["the cat sat on the mat and a dog ran in the park"] * 4)
    path.write_text("prompt,response\n" + f"q,{answer}\n" * 12, encoding="utf-8")
    _, _, session = inspect_data(registry, UPLOAD, str(path))
    train(registry, session, max_steps=1, max_seq_len=16)
    at_16 = session.loss_before
    train(registry, session, max_steps=1, max_seq_len=64)
    _, _, fresh = inspect_data(registry, UPLOAD, str(path))
    train(registry, fresh, max_steps=1, max_seq_len=64)
    assert session.loss_before == pytest.approx(fresh.loss_before) and at_16 != fresh.loss_before
    release(session)
    release(fresh)


def test_a_token_limit_with_no_room_for_answers_is_a_sentence_and_the_session_recovers(
    registry: Registry, tmp_path: Path
) -> None:
    """Issue 16 items 1-2: a limit shorter than the prompt template trained nothing and divided by
    zero; the session then stayed broken at a sensible limit."""
    path = tmp_path / "long.csv"
    prompt = " ".join(["word"] * 30)
    path.write_text("prompt,response\n" + f"{prompt},yes\n" * 12, encoding="utf-8")
    _, _, session = inspect_data(registry, UPLOAD, str(path))
    with pytest.raises(InvalidInputError, match=r"nothing is left to learn.*at least"):
        train(registry, session, max_seq_len=16)
    updates = train(registry, session, max_steps=1, max_seq_len=96)
    assert updates[-1][0].startswith("Done") and session.loss_before > 0
    release(session)


def test_markup_in_a_file_shows_as_text_in_the_summary(registry: Registry, tmp_path: Path) -> None:
    """Issue 16 item 8: a file's name and its rows are quoted in the summary as text."""
    path = tmp_path / "<img src=x onerror=alert(1)>.csv"
    path.write_text(
        "prompt,response\n" + "\n".join(LINES) + "\n<script>alert(2)</script>,\n", encoding="utf-8"
    )
    summary, _, _ = inspect_data(registry, UPLOAD, str(path))
    assert "<script" not in summary  # the row, escaped as running text
    # the name only inside a code span, which Markdown shows literally
    assert summary.count("<img") == summary.count("`<img src=x onerror=alert(1)>.csv`") == 1


def test_the_api_keeps_its_order_and_the_old_data_set_name(registry: Registry) -> None:
    """/finetune's parameters keep their names and order (callers pass them by position), each
    default is the declared one; /inspect_data names the data set ``data``, and the old
    ``picked`` still works for one release."""
    import gradio as gr

    from components.finetune.tab import build

    with gr.Blocks() as demo:
        build(registry)
    endpoints = demo.get_api_info()["named_endpoints"]
    parameters = {p["parameter_name"]: p["parameter_default"]
                  for p in endpoints["/finetune"]["parameters"]}  # fmt: skip
    assert list(parameters) == [
        "epochs", "learning_rate", "rank", "max_seq_len", "max_steps",
        "temperature", "seed", "max_new_tokens", "early_stop", "patience",
    ]  # fmt: skip
    declared = {**TrainSettings.declared(), **CompareSettings.declared()}
    assert parameters == {name: declared[name].default for name in parameters}
    names = [p["parameter_name"] for p in endpoints["/compare_models"]["parameters"]]
    assert names == ["prompts", "temperature", "seed", "max_new_tokens"]
    assert [p["parameter_name"] for p in endpoints["/inspect_data"]["parameters"]][:2] == [
        "data",
        "file",
    ]
    check = next(fn.fn for fn in demo.fns.values() if fn.api_name == "inspect_data")
    summary, _, session = check(data="Haiku", file=None)
    with pytest.warns(UserWarning, match="picked is now called data"):  # Gradio tells callers
        old, _, _ = check(picked="Haiku", file=None)
    assert old == summary and "**`Haiku`**" in summary and session.source == "Haiku"
