"""Handlers of the Fine-tune tab's learning-dynamics views: the overfitting demo, from scratch vs
pretrained, and bringing back an exported adapter. Plain functions from widget values to results
(the live held-out loss and early stop of a normal run are in components/finetune/handlers.py).
Layout and wiring: components/finetune/dynamics_panel.py.

The work is the model layer's: models/finetune/overfit.py, models/finetune/transfer.py,
models/finetune/adapter_import.py.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from components import exports
from components.eta import left_piece
from components.finetune.data_handlers import ASSETS, BUILTIN_SETS, data_set_name, inspect_data
from components.finetune.handlers import results_markdown
from components.finetune.plots import curves_figure, loss_figure
from components.finetune.session import TuneSession, hold_slot
from components.safe_text import escape_markdown, inline_code
from models.errors import InvalidInputError
from models.finetune.adapter_import import load_adapter
from models.finetune.data import Split, load_builtin, split_examples
from models.finetune.evaluation import Point
from models.finetune.overfit import (
    OVERFIT_RECIPE,
    OverfitRecipe,
    OverfitResult,
    assets_folder,
    overfit_demo,
    overfit_split,
)
from models.finetune.settings import TrainedAdapter, TrainProgress, TrainSettings
from models.finetune.training import ADAPTERS, LoraBench, bench_for
from models.finetune.transfer import (
    PRETRAINED,
    SCRATCH,
    TRANSFER_SETTINGS,
    TransferResult,
    transfer_demo,
)
from models.registry import Registry
from models.sentences import joined, paragraphs, sentence

OVERFIT_IDEA = sentence(
    "Overfitting, live: train on a tiny slice for many epochs and watch the two curves part. "
    "Training loss keeps falling, while the loss on examples the model never trained on falls "
    "at first and then turns up: from that step on the adapter memorises its few examples "
    "instead of learning the task."
)
TRANSFER_IDEA = sentence(
    "From scratch vs pretrained: the same examples, the same steps, the same held-out "
    "questions, once as LoRA on the pretrained model and once for a freshly initialised model "
    "of the same kind. With little data, starting from pre-training is what makes learning "
    "possible at all."
)
IMPORT_IDEA = (
    "Bring back an adapter: upload the lora-adapter.zip that this tab's export gave you (in "
    "this session or an earlier one). It becomes this session's fine-tuned model and works "
    "everywhere a freshly trained one does: the comparison, the drift view, the Text tab's "
    '"Use my fine-tuned model", and export again.'
)
TRANSFER_DATA = "Pirate speak"  # when the session has no data set yet (an API call)
BAR_WIDTH = 20
Item = TrainProgress | BaseException | Any


def default_bench(registry: Registry) -> LoraBench:
    return bench_for(registry.load(registry.default("causal-lm"), kind="causal-lm"))


def cancel_event(control: dict[str, Any] | None) -> threading.Event:
    """A run's cancel event, registered as this session's (its Cancel button sets it) before the
    run shows anything: a press while it is starting ends it, instead of being ignored."""
    cancel = threading.Event()
    if control is not None:
        control["cancel"] = cancel
    return cancel


def streamed(
    work: Callable[[Callable[..., None], threading.Event], Any],
    cancel: threading.Event,
) -> Iterator[tuple[Any, ...]]:
    """Run ``work(on_step, cancel)`` in a thread; yield each ``on_step`` call's arguments, then
    ``("done", result)``. The session's Cancel button (``cancel_event``) and closing the stream
    (the browser went away) both set ``cancel``."""
    updates: queue.Queue[tuple[Any, ...]] = queue.Queue()

    def run() -> None:
        try:
            updates.put(("done", work(lambda *args: updates.put(("step", *args)), cancel)))
        except BaseException as error:  # handed to the streaming loop
            updates.put(("error", error))

    worker = threading.Thread(target=run, name="finetune-dynamics", daemon=True)
    worker.start()
    try:
        while True:
            item = updates.get()
            if item[0] == "error":
                raise item[1]
            yield item
            if item[0] == "done":
                return
    finally:
        cancel.set()
        worker.join()


def progress_bar(fraction: float) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * BAR_WIDTH)
    return f"`{'█' * filled}{'░' * (BAR_WIDTH - filled)}` {fraction:.0%}"


# -- 5. the overfitting demo -----------------------------------------------------------------------


def overfit_figure(
    losses: list[float], held_out: list[Point], turning: int | None, split: Split
) -> go.Figure:
    training = [(step, loss) for step, loss in enumerate(losses, start=1)]
    marked = None
    if turning is not None:
        marked = (f"turning point: step {turning}", turning, dict(held_out)[turning])
    return curves_figure(
        "Overfitting: training loss falls, held-out loss turns up",
        [
            (f"training loss ({len(split.train)} examples)", training),
            (f"held-out loss ({len(split.held_out)} others)", held_out),
        ],
        marked,
    )


def overfit_files(result: OverfitResult, recipe: OverfitRecipe) -> list[str]:
    """The curves as CSV (one row per step; held-out loss where it was measured) and JSON."""
    run, folder = result.run, exports.export_dir("finetune-overfit")
    held = dict(run.held_out)
    rows = [[step, run.losses[step - 1] if step else "", held.get(step, "")]
            for step in range(run.steps + 1)]  # fmt: skip
    csv = exports.write_csv(["step", "training_loss", "held_out_loss"], rows,
                            folder / "overfitting-curves.csv")  # fmt: skip
    report = {
        "recipe": {
            "data": recipe.data_file,
            "train_examples": result.train_examples,
            "held_out_examples": result.held_out_examples,
            "epochs": recipe.settings.epochs,
            "batch_size": recipe.settings.batch_size,
            "learning_rate": recipe.settings.learning_rate,
            "eval_every": recipe.settings.eval_every,
        },
        "turning_step": result.turning_step,
        "kept_step": run.kept_step,
        "training_loss": run.losses,
        "held_out": [[step, loss] for step, loss in run.held_out],
        "summary": result.summary(),
    }
    data = exports.write_json(report, folder / "overfitting.json")
    return [str(csv), str(data)]


def run_overfit(
    registry: Registry,
    control: dict[str, Any] | None = None,
    split: Split | None = None,
    recipe: OverfitRecipe = OVERFIT_RECIPE,
) -> Iterator[tuple[str, go.Figure | None, str, list[str]]]:
    """The overfitting demo, streaming (status, plot, summary, export files) (/overfit_demo).
    ``split`` and ``recipe`` replace the demo's built-in slice and settings (tests)."""
    bench = default_bench(registry)
    if split is None:
        split = overfit_split(load_builtin(assets_folder() / recipe.data_file).examples, recipe)
    cancel = cancel_event(control)
    yield sentence("Overfitting demo: starting (about 35 s on 2 CPU cores)…"), None, "", []

    def work(on_step: Callable[..., None], cancel: threading.Event) -> OverfitResult:
        return overfit_demo(bench, split, recipe, on_step=on_step, cancel=cancel)

    losses: list[float] = []
    for item in streamed(work, cancel):
        if item[0] == "done":
            result: OverfitResult = item[1]
            break
        progress: TrainProgress = item[1]
        losses.append(progress.loss)
        held = list(progress.held_out)
        status = joined(
            " · ",
            sentence(
                "Overfitting demo: step {step} of {total}",
                step=progress.step, total=progress.total_steps,
            ),
            sentence("training loss {loss}", loss=f"{progress.loss:.3f}"),
            sentence("held-out {loss}", loss=f"{held[-1][1]:.3f}") if held else "",
            f"{progress.seconds:.0f} s",
            left_piece(progress.step, progress.total_steps, progress.seconds),
        )  # fmt: skip
        yield status, overfit_figure(losses, held, None, split), "", []
    run = result.run
    if run.stopped == "cancelled":
        yield (
            sentence(
                "Cancelled at step {step}: press the button again to run the demo to its end.",
                step=run.steps,
            ),
            overfit_figure(run.losses, run.held_out, None, split),
            "",
            [],
        )
        return
    took = {"steps": run.steps, "seconds": f"{run.seconds:.0f}"}
    done = (
        sentence("Done: {steps} steps in {seconds} s.", **took)
        if result.turning_step is None
        else sentence(
            "Done: {steps} steps in {seconds} s, turning point at step {turning}.",
            turning=result.turning_step, **took,
        )
    )  # fmt: skip
    yield (
        done,
        overfit_figure(run.losses, run.held_out, result.turning_step, split),
        paragraphs(OVERFIT_IDEA, result.summary()),
        overfit_files(result, recipe),
    )


# -- 6. from scratch vs pretrained -----------------------------------------------------------------


def transfer_split(session: TuneSession | None) -> tuple[Split, str]:
    """The session's data set (what the tab shows), or the pirate set for a bare API call."""
    if isinstance(session, TuneSession):
        return session.split, session.source
    data = load_builtin(ASSETS / BUILTIN_SETS[TRANSFER_DATA])
    return split_examples(data.examples), TRANSFER_DATA


def transfer_figure(curves: dict[str, list[Point]]) -> go.Figure:
    return curves_figure(
        "Held-out loss: pretrained + LoRA vs from scratch (same steps, same examples)",
        [(label, points) for label, points in curves.items() if points],
    )


def shape_sentence(result: TransferResult, base: Any) -> str:
    """How the scratch model was shrunk from the base, and both arms' weight counts."""
    shape = result.scratch_shape
    pretrained, scratch = result.pretrained, result.scratch
    return sentence(
        "The from-scratch model has the base model's architecture and tokenizer ({vocab}-token "
        "vocabulary), shrunk in depth and width only: {layers} layers instead of {base_layers}, "
        "hidden size {hidden} instead of {base_hidden} ({heads} attention heads instead of "
        "{base_heads}), MLP width {mlp} instead of {base_mlp}: {weights} weights, all {trained} "
        "of them trained from a random start. The pretrained arm keeps its {total} weights and "
        "trains a LoRA adapter of {lora} ({share}).",
        vocab=f"{shape['vocab_size']:,}", layers=shape["num_hidden_layers"],
        base_layers=base.num_hidden_layers, hidden=shape["hidden_size"],
        base_hidden=base.hidden_size, heads=shape["num_attention_heads"],
        base_heads=base.num_attention_heads, mlp=f"{shape['intermediate_size']:,}",
        base_mlp=f"{base.intermediate_size:,}", weights=f"{scratch.total_weights:,}",
        trained=f"{scratch.trained_weights:,}", total=f"{pretrained.total_weights:,}",
        lora=f"{pretrained.trained_weights:,}",
        share=f"{pretrained.trained_weights / pretrained.total_weights:.1%}",
    )  # fmt: skip


def transfer_summary(result: TransferResult, base: Any, source: str) -> str:
    pretrained, scratch = result.pretrained.run.held_out, result.scratch.run.held_out
    both = ""
    if pretrained and scratch:

        def arm(points: list[Point], run: Any) -> tuple[str, str, int]:
            lowest = min(loss for _, loss in points[1:] or points)
            return f"{points[0][1]:.2f}", f"{lowest:.2f}", run.steps

        (b1, l1, s1), (b2, l2, s2) = (
            arm(pretrained, result.pretrained.run),
            arm(scratch, result.scratch.run),
        )
        both = sentence(
            "Both trained on {source} for the same steps, in {seconds} s together. **{first}**: "
            "held-out loss {b1} before training, lowest {l1} within {s1} steps; **{second}**: "
            "held-out loss {b2} before training, lowest {l2} within {s2} steps.",
            source=data_set_name(source), seconds=f"{result.seconds:.0f}",
            first=sentence(result.pretrained.label), second=sentence(result.scratch.label),
            b1=b1, l1=l1, s1=s1, b2=b2, l2=l2, s2=s2,
        )  # fmt: skip
    notes = [f"Note: {escape_markdown(note)}" for note in result.notes]
    return paragraphs(TRANSFER_IDEA, both, shape_sentence(result, base), *notes)


def transfer_rows(result: TransferResult) -> list[list[str]]:
    return [
        [prompt, tuned, scratch, expected]
        for prompt, tuned, scratch, expected in zip(
            result.prompts, result.pretrained.answers, result.scratch.answers, result.expected,
            strict=True,
        )
    ]  # fmt: skip


TRANSFER_HEADER = ["prompt", "pretrained_lora", "from_scratch", "expected"]


def transfer_files(result: TransferResult, summary: str) -> list[str]:
    folder = exports.export_dir("finetune-transfer")
    answers = exports.write_csv(TRANSFER_HEADER, transfer_rows(result),
                                folder / "scratch-vs-pretrained-answers.csv")  # fmt: skip
    curves = exports.write_csv(
        ["arm", "step", "held_out_loss"],
        [[arm.label, step, loss] for arm in (result.pretrained, result.scratch)
         for step, loss in arm.run.held_out],
        folder / "scratch-vs-pretrained-curves.csv",
    )  # fmt: skip
    report = {
        "seconds": round(result.seconds, 2),
        "scratch_shape": result.scratch_shape,
        "arms": {
            arm.label: {
                "steps": arm.run.steps,
                "trained_weights": arm.trained_weights,
                "total_weights": arm.total_weights,
                "training_loss": arm.run.losses,
                "held_out": [[step, loss] for step, loss in arm.run.held_out],
                "answers": arm.answers,
            }
            for arm in (result.pretrained, result.scratch)
        },
        "prompts": result.prompts,
        "expected": result.expected,
        "notes": result.notes,
        "summary": summary,
    }
    data = exports.write_json(report, folder / "scratch-vs-pretrained.json")
    return [str(answers), str(curves), str(data)]


def run_transfer(
    registry: Registry,
    session: TuneSession | None,
    control: dict[str, Any] | None = None,
    settings: TrainSettings = TRANSFER_SETTINGS,
) -> Iterator[tuple[str, go.Figure | None, str, list[list[str]], list[str]]]:
    """Both arms, streaming (status with a progress bar, plot, summary, answers, export files)
    (/transfer_demo). ``settings`` replaces the demo's (tests)."""
    split, source = transfer_split(session)
    bench = default_bench(registry)
    cancel = cancel_event(control)
    yield (
        sentence(
            "From scratch vs pretrained on {source}: starting (about 75 s on 2 CPU cores for "
            "both arms)…",
            source=data_set_name(source),
        ),
        None, "", [], [],
    )  # fmt: skip

    def work(on_step: Callable[..., None], cancel: threading.Event) -> TransferResult:
        return transfer_demo(bench, split, settings, on_step=on_step, cancel=cancel)

    curves: dict[str, list[Point]] = {PRETRAINED: [], SCRATCH: []}
    for item in streamed(work, cancel):
        if item[0] == "done":
            result: TransferResult = item[1]
            break
        label, progress = item[1], item[2]
        curves[label] = list(progress.held_out)
        arm = 0 if label == PRETRAINED else 1
        done = (arm * progress.total_steps + progress.step) / (2 * progress.total_steps)
        status = joined(
            " · ",
            progress_bar(done),
            sentence(
                "arm {arm} of 2, {label}: step {step} of {total}",
                arm=arm + 1, label=sentence(label), step=progress.step,
                total=progress.total_steps,
            ),
            sentence("training loss {loss}", loss=f"{progress.loss:.3f}"),
            f"{progress.seconds:.0f} s",
            left_piece(progress.step, progress.total_steps, progress.seconds),
        )  # fmt: skip
        yield status, transfer_figure(curves), "", [], []
    figure = transfer_figure({PRETRAINED: result.pretrained.run.held_out,
                              SCRATCH: result.scratch.run.held_out})  # fmt: skip
    if any(arm.run.stopped == "cancelled" for arm in (result.pretrained, result.scratch)):
        yield (
            sentence(
                "Cancelled: the comparison needs both arms to their end; press the button again."
            ),
            figure, "", [], [],
        )  # fmt: skip
        return
    summary = transfer_summary(result, bench.model.config, source)
    yield (
        joined(
            " · ",
            progress_bar(1.0),
            sentence("Done: both arms in {seconds} s.", seconds=f"{result.seconds:.0f}"),
        ),
        figure,
        summary,
        transfer_rows(result),
        transfer_files(result, summary),
    )


# -- 7. bring back an adapter ----------------------------------------------------------------------


def adapter_sentence(adapter: TrainedAdapter) -> str:
    """What came back: base model, rank, layers, steps and kept step."""
    layers = adapter.config.get("layers_to_transform") or []
    where = f" on layers {min(layers)}–{max(layers)}" if layers else ""
    weights = sum(int(t.numel()) for t in adapter.state_dict.values())
    steps = f"trained {adapter.steps} steps" if adapter.steps else "training history not included"
    kept = (
        f", weights of step {adapter.kept_step} (the best on held-out data)"
        if adapter.held_out and adapter.kept_step != adapter.steps
        else ""
    )
    return (
        f"Brought back a LoRA adapter for **{inline_code(adapter.base_model, 120)}**: rank "
        f"{escape_markdown(adapter.config.get('r'), 20)}{where}, {weights:,} weights, "
        f"{steps}{kept}."
    )


NOTHING_TO_BRING_BACK = (
    "Nothing to bring back: the run was cancelled before its first step. Press the demo again "
    "to run it to its end."
)


def import_adapter(
    registry: Registry,
    session: TuneSession | None,
    path: str | Path | None,
    slot_key: str = "",
    address: str = "",
) -> tuple[str, go.Figure | None, str, TuneSession]:
    """Load an exported adapter zip into this session (/import_adapter): (summary, its loss
    curve, results on the session's held-out examples, session). Any bad zip is refused with a
    sentence (models/finetune/adapter_import.py); the session's adapter is replaced only once the
    new one is checked."""
    if not path:
        raise InvalidInputError(
            "Upload a lora-adapter.zip first (the Fine-tune tab's export gives you one)."
        )
    adapter = load_adapter(registry, path)
    if not isinstance(session, TuneSession):  # an API call before /inspect_data
        session = inspect_data(registry, TRANSFER_DATA, None, slot_key, address)[2]
    session.address = address or session.address
    # An adapter held in memory takes a slot, as a trained one does: a full server evicts the
    # least recently used idle one; one address holds at most half (models/finetune/training.py).
    hold_slot(session)
    bench = bench_for(registry.load(adapter.base_model, kind="causal-lm"))
    max_seq_len = TrainSettings().max_seq_len
    session.adapter = adapter
    with ADAPTERS.using(session.key):
        session.loss_before = bench.base_loss(session.split.held_out, max_seq_len)
        session.loss_after = bench.held_out_loss(session.split.held_out, adapter, max_seq_len)
    lines = [
        adapter_sentence(adapter),
        "It is now this session's fine-tuned model: compare it below, open the drift view, or "
        "write with it in the Text tab.",
    ]
    lines += [f"Note: {escape_markdown(note)}" for note in adapter.notes]
    lines.append(
        f"The results show its loss on the held-out examples of "
        f"{inline_code(session.source, 80)}, the data set this session has picked."
    )
    figure = loss_figure(adapter.losses, adapter.steps, adapter.held_out, adapter.kept_step)
    return (
        "\n\n".join(lines),
        figure if adapter.losses else None,
        results_markdown(session),
        session,
    )
