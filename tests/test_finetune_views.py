"""The Fine-tune tab's learning-dynamics views (issue 18, views 4-7), driven through their handlers
as the browser calls them, on tiny seeded Llamas, each against an independent computation: the
live held-out loss shown is a separate evaluation of the saved adapter, early stopping stops where
its rule says, the overfitting demo marks the lowest held-out point, the transfer demo's weight
counts are counted again, and an exported then imported adapter answers as the session that
exported it did. Every refusal is a sentence."""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from components.finetune.data_handlers import inspect_data
from components.finetune.dynamics_handlers import import_adapter, run_overfit, run_transfer
from components.finetune.exports import export_run
from components.finetune.handlers import (
    cancel_training,
    compare_models,
    export_adapter,
    run_finetune,
)
from components.finetune.session import TuneSession, release
from components.safe_text import escape_markdown
from models.errors import InvalidInputError
from models.finetune.compare import CompareSettings
from models.finetune.data import Example, Split
from models.finetune.evaluation import EVAL_EVERY, live_subset
from models.finetune.overfit import OverfitRecipe
from models.finetune.settings import TrainSettings
from models.finetune.training import bench_for
from models.finetune.transfer import PRETRAINED, SCRATCH, fresh_model
from models.registry import LoadedModel, ModelSpec, Registry
from models.sources import ModelSource
from tests.tiny_models import save_tiny_causal_lm

TRAIN = [
    Example("the cat", "sat on the mat"),
    Example("a dog", "ran in the park"),
    Example("hello", "world"),
    Example("the dog", "sat on a mat"),
]
# same words, other pairings: what the training pairs teach only partly carries over
HELD_OUT = [
    Example("the cat", "ran in the park"),
    Example("a dog", "sat on the mat"),
    Example("hello", "the world"),
    Example("the dog", "ran on a mat"),
]
RUN = TrainSettings(epochs=10, learning_rate=1e-2, rank=8, max_seq_len=16, max_steps=40)
ANSWERS = CompareSettings(temperature=0.0, seed=0, max_new_tokens=5)


def run(registry: Registry, session: TuneSession, train: TrainSettings = RUN) -> list[tuple]:
    """Every update of a /finetune run of ``session`` with ``train``."""
    return list(run_finetune(registry=registry, session=session, train=train, compare=ANSWERS))


def tiny_registry(folder: Path, name: str) -> Registry:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from models.text.causal_lm import CausalLM

    def load(source: ModelSource) -> LoadedModel:
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
        lm = CausalLM(model, AutoTokenizer.from_pretrained(folder), str(folder))
        return LoadedModel(lm, 1, "cpu", "float32")

    registry = Registry()
    registry.register(ModelSpec(name, "causal-lm", lambda: ModelSource("local", "x"), load))
    return registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return tiny_registry(
        save_tiny_causal_lm(tmp_path_factory.mktemp("tiny") / "lm", seed=5), "tiny-lm"
    )


@pytest.fixture(scope="module")
def sharp(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """Long embeddings: LoRA can drive the training loss near zero, and so overfit."""
    folder = tmp_path_factory.mktemp("sharp") / "lm"
    return tiny_registry(save_tiny_causal_lm(folder, seed=3, initializer_range=0.3), "tiny-sharp")


def session_on(registry: Registry, train: list[Example], held_out: list[Example]) -> TuneSession:
    """A session whose data is exactly ``train`` / ``held_out`` (as if uploaded and split)."""
    _, _, session = inspect_data(registry, "Haiku", None)
    session.split = Split(train=list(train), held_out=list(held_out))
    return session


def first_stop(points: list[tuple[int, float]], patience: int) -> int | None:
    """The early-stop rule, written out: the step of the ``patience``-th evaluation in a row
    (after step 0) whose loss is not below the lowest seen before it."""
    lowest, misses = math.inf, 0
    for step, loss in points[1:]:
        misses = 0 if loss < lowest else misses + 1
        lowest = min(lowest, loss)
        if misses == patience:
            return step
    return None


# -- 4. live held-out loss and early stop ----------------------------------------------------------


def test_the_live_held_out_line_is_a_separate_evaluation_of_the_saved_adapter(
    registry: Registry,
) -> None:
    session = session_on(registry, TRAIN * 8, HELD_OUT)
    updates = run(registry, session)
    adapter = session.adapter
    assert adapter is not None and adapter.steps == 40
    figure = updates[-1][1]
    names = [trace.name for trace in figure.data]
    assert names[:2] == ["training loss", "held-out loss"]
    held = figure.data[1]
    assert list(held.x) == list(range(0, 41, EVAL_EVERY))  # step 0, every 5th, the last
    assert list(zip(held.x, held.y, strict=True)) == adapter.held_out
    # the status shows the curve as it grows: the latest evaluation at each step
    assert any(f"held-out {adapter.held_out[1][1]:.3f} (step 5)" in u[0] for u in updates)
    # the star is the lowest point after step 0, and it is the step the adapter kept
    best_step, best = min(adapter.held_out[1:], key=lambda point: point[1])
    assert adapter.kept_step == best_step and names[2] == f"kept: step {best_step}"
    bench = bench_for(registry.load("tiny-lm", kind="causal-lm"))
    separately = bench.held_out_loss(live_subset(HELD_OUT), adapter, RUN.max_seq_len)
    assert math.isclose(separately, best, abs_tol=1e-5)
    before = bench.held_out_loss(live_subset(HELD_OUT), None, RUN.max_seq_len)
    assert math.isclose(adapter.held_out[0][1], before, abs_tol=1e-5)
    results = updates[-1][2]
    assert f"lowest {best:.3f} at step {best_step}" in results
    if best_step != adapter.steps:
        assert f"the adapter kept is step {best_step}'s, not the last step's (40)" in results
    # the run's export carries the curve and the kept step
    report = json.loads(Path(export_run(session, updates[-1][3])[2]).read_text())
    assert report["held_out_curve"] == [list(point) for point in adapter.held_out]
    assert report["kept_step"] == best_step
    release(session)


@pytest.mark.parametrize("patience", [1, 2])
def test_early_stop_ends_where_the_rule_says_and_keeps_the_best_step(
    registry: Registry, patience: int
) -> None:
    full = session_on(registry, TRAIN * 8, HELD_OUT)
    run(registry, full)
    expected = first_stop(full.adapter.held_out, patience)
    assert expected is not None and expected < 40  # the curve gives the rule a chance
    session = session_on(registry, TRAIN * 8, HELD_OUT)
    updates = run(registry, session, replace(RUN, early_stop=True, patience=patience))
    adapter = session.adapter
    assert adapter.steps == expected
    assert adapter.held_out == [p for p in full.adapter.held_out if p[0] <= expected]  # seeded
    best_step = min(adapter.held_out[1:], key=lambda point: point[1])[0]
    assert adapter.kept_step == best_step < expected
    status, _, results, *_ = updates[-1]
    assert f"Training stopped early at step {expected}" in status
    assert f"Early stopping ended the run at step {expected}" in results
    assert f"the best step's adapter (step {best_step}) is kept" in results
    release(full)
    release(session)


@pytest.mark.parametrize("patience", [0, float("nan"), 51, 2.5])
def test_a_bad_patience_is_a_sentence(registry: Registry, patience: float) -> None:
    session = session_on(registry, TRAIN, HELD_OUT)
    with pytest.raises(InvalidInputError, match="patience must be a whole number from 1 to 50"):
        run(registry, session, replace(RUN, early_stop=True, patience=patience))
    assert session.adapter is None


# -- 5. the overfitting demo -----------------------------------------------------------------------


def test_the_overfitting_demo_marks_the_lowest_held_out_point(sharp: Registry) -> None:
    settings = TrainSettings(epochs=10, learning_rate=3e-3, max_seq_len=16, batch_size=1,
                             lora_layers=2, eval_every=2)  # fmt: skip
    recipe = OverfitRecipe("unused", 2, 4, settings)
    split = Split(train=TRAIN[:2] * 2, held_out=HELD_OUT)
    updates = list(run_overfit(sharp, None, split, recipe))
    status, figure, summary, files = updates[-1]
    training, held = figure.data[0], figure.data[1]
    assert len(training.y) == 40 and list(training.x) == list(range(1, 41))
    points = list(zip(held.x, held.y, strict=True))
    # the turning point, found again: the lowest held-out loss after step 0, with a rise after it
    turn, lowest = min(points[1:], key=lambda point: point[1])
    assert 0 < turn < 40 and points[-1][1] > lowest
    assert f"turning point at step {turn}" in status
    marker = figure.data[2]
    assert list(marker.x) == [turn] and list(marker.y) == [lowest]
    assert figure.layout.shapes[0].x0 == turn  # the dashed line
    assert f"at step {turn}, then rose" in summary and "memorises" in summary
    assert training.y[-1] < 0.5 * training.y[0]
    csv_path, json_path = files
    rows = Path(csv_path).read_text().splitlines()
    assert rows[0] == "step,training_loss,held_out_loss" and len(rows) == 1 + 41
    report = json.loads(Path(json_path).read_text())
    assert report["turning_step"] == turn and report["kept_step"] == turn
    assert any(u[0].startswith("Overfitting demo: step 1 of 40") for u in updates)


@pytest.mark.parametrize("demo", ["overfit", "transfer"])
def test_cancel_while_a_demo_starts_ends_it_before_its_first_step(registry, demo) -> None:
    """A press on Cancel while the demo says "starting" ends it at once (it used to be ignored:
    the cancel event was made only when the first step began)."""
    control: dict = {}
    settings = TrainSettings(epochs=3, learning_rate=1e-2, max_seq_len=16, batch_size=2,
                             lora_layers=2, eval_every=2, max_steps=500)  # fmt: skip
    if demo == "overfit":
        split = Split(train=TRAIN[:2] * 2, held_out=HELD_OUT)
        stream = run_overfit(registry, control, split, OverfitRecipe("unused", 2, 4, settings))
    else:
        stream = run_transfer(registry, session_on(registry, TRAIN, HELD_OUT), control, settings)
    first = next(stream)
    assert "starting" in first[0]
    assert cancel_training(control).startswith("Cancelling")
    statuses = [update[0] for update in stream]
    assert len(statuses) == 1 and statuses[0].startswith("Cancelled")
    assert "step 1 of" not in statuses[0]


# -- 6. from scratch vs pretrained -----------------------------------------------------------------


def test_transfer_demo_shows_both_arms_and_counts_their_weights(registry: Registry) -> None:
    session = session_on(registry, TRAIN * 2, HELD_OUT)
    settings = TrainSettings(epochs=3, learning_rate=1e-2, max_seq_len=16, batch_size=2,
                             lora_layers=2, eval_every=2, max_steps=500)  # fmt: skip
    updates = list(run_transfer(registry, session, None, settings))
    status, figure, summary, rows, files = updates[-1]
    assert "100%" in status and "Done: both arms" in status
    statuses = [u[0] for u in updates[1:-1]]
    assert len(statuses) == 24  # 12 steps per arm, one update each
    assert "arm 1 of 2, pretrained + LoRA: step 1 of 12" in statuses[0]
    assert "arm 2 of 2, from scratch: step 12 of 12" in statuses[-1]
    assert [trace.name for trace in figure.data] == [PRETRAINED, SCRATCH]
    for trace in figure.data:
        assert list(trace.x) == [0, 2, 4, 6, 8, 10, 12]
    assert [row[0] for row in rows] == [e.prompt for e in HELD_OUT]
    assert [row[3] for row in rows] == [e.response for e in HELD_OUT]
    # the counts, counted again: the fresh model built apart, the base plus the LoRA matrices
    bench = bench_for(registry.load("tiny-lm", kind="causal-lm"))
    fresh = fresh_model(bench.model.config, settings.seed)
    scratch_weights = sum(p.numel() for p in fresh.parameters())
    base_weights = sum(p.numel() for p in bench.model.parameters())
    assert f"{scratch_weights:,} weights, all {scratch_weights:,} of them trained" in summary
    assert "2 layers instead of 2" in summary  # the tiny base has fewer layers than the cap
    report = json.loads(Path(files[2]).read_text())
    lora = report["arms"][PRETRAINED]["trained_weights"]
    assert report["arms"][PRETRAINED]["total_weights"] == base_weights + lora
    assert f"keeps its {base_weights + lora:,} weights and trains a LoRA adapter of {lora:,}" in (
        summary
    )
    assert report["arms"][SCRATCH]["answers"] == [row[2] for row in rows]
    assert session.adapter is None  # the demo never touches the session's own adapter


# -- 7. bring back an adapter ----------------------------------------------------------------------


def test_an_exported_adapter_brought_back_answers_as_its_session_did(
    registry: Registry, tmp_path: Path
) -> None:
    mine = session_on(registry, TRAIN * 8, HELD_OUT)
    run(registry, mine, replace(RUN, max_steps=12))
    archive = export_adapter(registry, mine)
    prompts = "the cat\na dog\nhello"
    theirs = session_on(registry, TRAIN, HELD_OUT)  # another browser, no training
    summary, figure, results, back = import_adapter(registry, theirs, archive)
    assert back is theirs and theirs.adapter is not None
    assert "**`tiny-lm`**: rank 8" in summary and f"trained {mine.adapter.steps} steps" in summary
    assert list(figure.data[0].y) == mine.adapter.losses  # the history came back too
    assert math.isclose(theirs.loss_after, mine.loss_after, abs_tol=1e-5)  # same held-out set
    assert "| loss |" in results
    greedy = CompareSettings(temperature=0.0, seed=0, max_new_tokens=6)
    ours = compare_models(registry=registry, session=mine, prompts=prompts, compare=greedy)
    again = compare_models(registry=registry, session=theirs, prompts=prompts, compare=greedy)
    assert [row[2] for row in again] == [row[2] for row in ours]  # greedy answers, identical
    assert [row[1] for row in again] == [row[1] for row in ours]
    # and it exports again, to the same weights
    second = export_adapter(registry, theirs)
    with zipfile.ZipFile(archive) as a, zipfile.ZipFile(second) as b:
        name = "lora-adapter/adapter_model.safetensors"
        from safetensors.torch import load

        first_w, second_w = load(a.read(name)), load(b.read(name))
    assert first_w.keys() == second_w.keys()
    assert all(first_w[k].equal(second_w[k]) for k in first_w)
    release(mine)
    release(theirs)


def test_an_api_call_without_data_gets_a_session(registry: Registry) -> None:
    mine = session_on(registry, TRAIN, HELD_OUT)
    run(registry, mine, replace(RUN, max_steps=4))
    _, _, _, session = import_adapter(registry, None, export_adapter(registry, mine))
    assert isinstance(session, TuneSession) and session.adapter is not None
    assert session.source == "Pirate speak"
    release(mine)
    release(session)


def test_a_bad_zip_is_a_sentence_and_keeps_the_sessions_adapter(
    registry: Registry, tmp_path: Path
) -> None:
    session = session_on(registry, TRAIN, HELD_OUT)
    run(registry, session, replace(RUN, max_steps=4))
    kept = session.adapter
    not_zip = tmp_path / "lora-adapter.zip"
    not_zip.write_text("hello")
    with pytest.raises(InvalidInputError, match="The file is not a zip archive: upload the"):
        import_adapter(registry, session, str(not_zip))
    pickled = tmp_path / "pickled.zip"
    with zipfile.ZipFile(pickled, "w") as handle:
        handle.writestr("adapter_config.json", "{}")
        handle.writestr("adapter_model.bin", b"\x80\x04")
    with pytest.raises(InvalidInputError, match="pickle-based file"):
        import_adapter(registry, session, str(pickled))
    with pytest.raises(InvalidInputError, match=r"Upload a lora-adapter\.zip first"):
        import_adapter(registry, session, None)
    assert session.adapter is kept
    release(session)


def test_a_zip_without_its_history_still_comes_back_and_says_so(
    registry: Registry, tmp_path: Path
) -> None:
    mine = session_on(registry, TRAIN, HELD_OUT)
    run(registry, mine, replace(RUN, max_steps=4))
    bare = tmp_path / "bare.zip"
    with zipfile.ZipFile(export_adapter(registry, mine)) as full, zipfile.ZipFile(bare, "w") as out:
        for info in full.infolist():
            if not info.filename.endswith("training.json"):
                out.writestr(info, full.read(info))
    theirs = session_on(registry, TRAIN, HELD_OUT)
    summary, figure, results, _ = import_adapter(registry, theirs, str(bare))
    assert "training history not included" in summary and figure is None
    assert results.startswith("A brought-back adapter whose zip held no training history.")
    assert math.isclose(theirs.loss_after, mine.loss_after, abs_tol=1e-5)
    release(mine)
    release(theirs)


MARKUP = "<img src=x onerror=alert(1)>"


def rewritten(archive: str | Path, path: Path, change: dict[str, Any]) -> Path:
    """A copy of the zip ``archive`` at ``path`` whose members named in ``change`` (by base name)
    are replaced by what ``change`` maps them to (a function of their bytes)."""
    with zipfile.ZipFile(archive) as full, zipfile.ZipFile(path, "w") as out:
        for info in full.infolist():
            data = full.read(info)
            base = info.filename.rsplit("/", 1)[-1]
            out.writestr(info, change[base](data) if base in change else data)
    return path


def test_text_read_from_an_imported_zip_shows_as_text(registry: Registry, tmp_path: Path) -> None:
    """Issue "Hold under hostile input" 1: everything read from the uploaded zip (its history,
    card, config, name) is text in the summary and the results, never live HTML."""
    mine = session_on(registry, TRAIN, HELD_OUT)
    run(registry, mine, replace(RUN, max_steps=4))

    def history(data: bytes) -> bytes:
        return json.dumps({**json.loads(data), "stopped": MARKUP}).encode()

    def config(data: bytes) -> bytes:
        return json.dumps({**json.loads(data), "revision": MARKUP}).encode()

    hostile = rewritten(
        export_adapter(registry, mine),
        tmp_path / f"{MARKUP}.zip",
        {
            "training.json": history,
            "README.md": lambda _: MARKUP.encode(),
            "adapter_config.json": config,
        },
    )
    theirs = session_on(registry, TRAIN, HELD_OUT)
    summary, _, results, _ = import_adapter(registry, theirs, str(hostile))
    assert theirs.adapter is not None and theirs.adapter.stopped == MARKUP  # kept, as text
    for shown in (summary, results):
        assert "<img" not in shown
    assert escape_markdown(MARKUP) in results  # the history's words, as text
    assert escape_markdown(f"{MARKUP}.zip") in summary  # the file's name
    release(mine)
    release(theirs)


def test_layers_that_are_not_numbers_are_refused(registry: Registry, tmp_path: Path) -> None:
    """A config's layers_to_transform is shown as numbers in the summary: anything else (here
    markup beside the real layers) is refused with a sentence before any model runs."""
    mine = session_on(registry, TRAIN, HELD_OUT)
    run(registry, mine, replace(RUN, max_steps=4))

    def config(data: bytes) -> bytes:
        raw = json.loads(data)
        return json.dumps({**raw, "layers_to_transform": [*raw["layers_to_transform"], MARKUP]})

    hostile = rewritten(
        export_adapter(registry, mine), tmp_path / "layers.zip", {"adapter_config.json": config}
    )
    theirs = session_on(registry, TRAIN, HELD_OUT)
    with pytest.raises(InvalidInputError, match="layers_to_transform") as refused:
        import_adapter(registry, theirs, str(hostile))
    assert "<img" not in str(refused.value) and theirs.adapter is None
    release(mine)


def test_an_evicted_session_drops_its_adapter_and_says_what_to_do(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue "Hold under hostile input" 3: a full server lets a newcomer in by evicting the least
    recently used idle adapter; its session drops it and its next use says what to do."""
    from components.text.handlers import session_adapter
    from models.finetune.training import AdapterLedger

    ledger = AdapterLedger(limit=1, clock=lambda: 0.0)
    monkeypatch.setattr("components.finetune.handlers.ADAPTERS", ledger)
    monkeypatch.setattr("components.finetune.session.ADAPTERS", ledger)
    monkeypatch.setattr("components.finetune.dynamics_handlers.ADAPTERS", ledger)
    mine = session_on(registry, TRAIN, HELD_OUT)
    run(registry, mine, replace(RUN, max_steps=2))
    theirs = session_on(registry, TRAIN, HELD_OUT)
    import_adapter(registry, theirs, export_adapter(registry, mine))  # the one slot: mine goes
    assert mine.adapter is None and mine.set_aside and theirs.adapter is not None
    with pytest.raises(InvalidInputError, match="set aside to make room on the server"):
        compare_models(registry=registry, session=mine, prompts="hello", compare=ANSWERS)
    with pytest.raises(InvalidInputError, match="set aside to make room on the server"):
        session_adapter(True, mine)
    run(registry, mine, replace(RUN, max_steps=2))  # training again: theirs, idle, goes now
    assert mine.adapter is not None and not mine.set_aside and theirs.set_aside
    assert ledger.held == 1
