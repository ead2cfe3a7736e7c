"""Learning dynamics on tiny seeded Llamas: the live held-out loss is the loss a separate
evaluation of the saved adapter gives, early stopping stops where its rule says, the overfitting
demo turns up on a fixed seed, from-scratch and pretrained arms train the same steps, and a token
limit that leaves nothing to learn is refused with a sentence (issue 16, items 1-3)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from models.errors import InvalidInputError
from models.finetune.adapter_import import check_fits, read_adapter_zip
from models.finetune.data import Example, Split, load_builtin
from models.finetune.evaluation import held_out_report, live_subset, turning_point
from models.finetune.export import zip_adapter
from models.finetune.overfit import (
    OVERFIT_RECIPE,
    OverfitRecipe,
    assets_folder,
    overfit_demo,
    overfit_split,
)
from models.finetune.settings import TrainSettings
from models.finetune.training import LoraBench
from models.finetune.transfer import PRETRAINED, SCRATCH, scratch_config, transfer_demo
from models.text.causal_lm import CausalLM
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
LIVE = TrainSettings(
    epochs=10,
    learning_rate=1e-2,
    rank=8,
    max_seq_len=16,
    max_steps=500,
    batch_size=1,
    lora_layers=2,
    eval_every=2,
)


def load(folder: Path) -> CausalLM:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    return CausalLM(model, AutoTokenizer.from_pretrained(folder), str(folder))


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> CausalLM:
    return load(save_tiny_causal_lm(tmp_path_factory.mktemp("tiny") / "lm", seed=3))


@pytest.fixture(scope="module")
def sharp_lm(tmp_path_factory: pytest.TempPathFactory) -> CausalLM:
    """Long embeddings: LoRA can drive the training loss near zero, and so overfit."""
    folder = tmp_path_factory.mktemp("sharp") / "lm"
    return load(save_tiny_causal_lm(folder, seed=3, initializer_range=0.3))


def reference_held_out_loss(model, tokenizer, examples: list[Example], max_len: int) -> float:
    """Mean next-token cross-entropy over answer tokens, one example at a time, by hand."""
    total, count = 0.0, 0
    with torch.no_grad():
        for example in examples:
            prompt = tokenizer(f"{example.prompt}\n", add_special_tokens=False).input_ids
            full = tokenizer(
                f"{example.prompt}\n{example.response}{tokenizer.eos_token}",
                add_special_tokens=False,
            ).input_ids[:max_len]
            log_probs = torch.log_softmax(model(input_ids=torch.tensor([full])).logits[0], -1)
            for position in range(len(prompt), len(full)):
                total -= float(log_probs[position - 1, full[position]])
                count += 1
    return total / count


def test_live_held_out_loss_is_the_saved_adapters_loss(tiny_lm: CausalLM, tmp_path) -> None:
    bench = LoraBench(tiny_lm)
    seen = []
    adapter = bench.train(TRAIN * 2, LIVE, on_step=seen.append, held_out=HELD_OUT)
    steps = [step for step, _ in adapter.held_out]
    assert steps == list(range(0, adapter.steps + 1, 2))  # step 0, every 2nd, and the last (80)
    assert seen[-1].held_out == tuple(adapter.held_out)  # the curve streams with the steps
    assert seen[3].held_out == tuple(adapter.held_out[:3])  # step 4: evaluations at 0, 2, 4
    trained = [(step, loss) for step, loss in adapter.held_out if step > 0]
    best_step, best_loss = min(trained, key=lambda point: point[1])
    assert adapter.kept_step == best_step and seen[-1].best_step == best_step
    # step 0 is the untouched base model, measured with the run's own token limit
    base = reference_held_out_loss(bench.model, bench.tokenizer, HELD_OUT, 16)
    assert math.isclose(adapter.held_out[0][1], base, abs_tol=1e-5)
    # the kept adapter, exported, read back and evaluated apart, scores what the curve said
    archive = zip_adapter(bench, adapter)
    loaded = read_adapter_zip(archive, {bench.name})
    check_fits(bench, loaded)
    assert math.isclose(bench.held_out_loss(HELD_OUT, loaded, 16), best_loss, abs_tol=1e-5)
    with bench.adapted(loaded) as tuned:
        by_hand = reference_held_out_loss(tuned, bench.tokenizer, HELD_OUT, 16)
    assert math.isclose(by_hand, best_loss, abs_tol=1e-5)


def test_the_live_curve_uses_the_first_ten_held_out_examples(tiny_lm: CausalLM) -> None:
    bench = LoraBench(tiny_lm)
    many = [*HELD_OUT, *TRAIN, *HELD_OUT]  # 12
    adapter = bench.train(TRAIN, replace(LIVE, epochs=2, eval_every=4), held_out=many)
    assert live_subset(many) == many[:10] and adapter.held_out_examples == 10
    base = bench.held_out_loss(many[:10], None, 16)
    assert math.isclose(adapter.held_out[0][1], base, abs_tol=1e-5)
    assert not math.isclose(bench.held_out_loss(many, None, 16), base, abs_tol=1e-3)


def test_no_held_out_examples_means_no_evaluation(tiny_lm: CausalLM) -> None:
    adapter = LoraBench(tiny_lm).train(TRAIN, replace(LIVE, epochs=2))
    assert adapter.held_out == [] and adapter.kept_step == adapter.steps == 8


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


@pytest.mark.parametrize("patience", [1, 2, 3])
def test_early_stop_triggers_where_the_rule_says(tiny_lm: CausalLM, patience: int) -> None:
    bench = LoraBench(tiny_lm)
    full = bench.train(TRAIN * 2, LIVE, held_out=HELD_OUT)
    expected = first_stop(full.held_out, patience)
    assert expected is not None and expected < full.steps  # the curve gives the rule a chance
    settings = replace(LIVE, early_stop=True, patience=patience)
    early = bench.train(TRAIN * 2, settings, held_out=HELD_OUT)
    assert early.steps == expected
    assert early.stopped.startswith(f"stopped early at step {expected}")
    assert f"not improved for {patience} evaluation" in early.stopped
    # same seed, same run up to the stop: the curve is the full run's, cut there
    assert [s for s, _ in early.held_out] == [s for s, _ in full.held_out if s <= expected]
    for (_, a), (_, b) in zip(early.held_out, full.held_out, strict=False):
        assert math.isclose(a, b, abs_tol=1e-6)
    assert early.kept_step == min(early.held_out[1:], key=lambda point: point[1])[0]


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), 51, 2.5, "three", True])
def test_bad_patience_is_refused_with_a_sentence(value: object) -> None:
    with pytest.raises(
        InvalidInputError, match=r"^patience must be a (whole )?number from 1 to 50"
    ):
        TrainSettings(patience=value).validated()  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, 101, float("nan")])
def test_bad_eval_every_is_refused(value: float) -> None:
    with pytest.raises(InvalidInputError, match="eval_every must be a whole number from 0 to 100"):
        TrainSettings(eval_every=value).validated()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([(0, 3.0), (2, 2.0), (4, 1.0), (6, 1.5), (8, 2.5)], 4),
        ([(0, 3.0), (2, 2.0), (4, 1.0)], None),  # still falling: no turn yet
        ([(0, 0.5), (2, 2.0), (4, 1.0), (6, 3.0)], 4),  # step 0 (untrained) never counts
        ([(0, 3.0), (2, 1.0), (4, 1.0), (6, 2.0)], 2),  # a tie: the first lowest point
        ([(0, 3.0)], None),
        ([], None),
    ],
)
def test_turning_point(points: list[tuple[int, float]], expected: int | None) -> None:
    assert turning_point(points) == expected


def test_overfitting_demo_turns_up_on_a_fixed_seed(sharp_lm: CausalLM) -> None:
    settings = replace(LIVE, learning_rate=3e-3)  # 4 examples x 10 epochs: 40 steps
    recipe = OverfitRecipe("unused", 2, 4, settings)
    split = Split(train=TRAIN[:2] * 2, held_out=HELD_OUT)
    runs = [overfit_demo(LoraBench(sharp_lm), split, recipe) for _ in range(2)]
    first = runs[0]
    points = first.run.held_out
    turn = first.turning_step
    assert turn is not None and 0 < turn < first.run.steps
    lowest = dict(points)[turn]
    assert lowest < points[0][1]  # it did learn something general first
    assert points[-1][1] > lowest + 0.1  # then held-out loss clearly rose
    assert first.run.losses[-1] < 0.5 * first.run.losses[0]  # while training loss kept falling
    assert first.run.kept_step == turn
    assert f"at step {turn}, then rose" in first.summary()
    assert runs[1].run.held_out == points and runs[1].turning_step == turn  # deterministic


def test_scratch_config_shrinks_smollm2_as_documented() -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    smollm2 = LlamaConfig(  # the default model's published shape
        vocab_size=49152,
        hidden_size=576,
        intermediate_size=1536,
        num_hidden_layers=30,
        num_attention_heads=9,
        num_key_value_heads=3,
        head_dim=64,
        tie_word_embeddings=True,
    )
    small = scratch_config(smollm2)
    assert (small.num_hidden_layers, small.hidden_size, small.intermediate_size) == (4, 192, 512)
    assert (small.num_attention_heads, small.num_key_value_heads, small.head_dim) == (3, 1, 64)
    assert small.vocab_size == 49152 and small.tie_word_embeddings and small.model_type == "llama"
    assert smollm2.num_hidden_layers == 30  # the base config is left alone
    with torch.device("meta"):
        model = LlamaForCausalLM(small)
    per_layer = 192 * 192 * 2 + 192 * 64 * 2 + 3 * 192 * 512 + 2 * 192  # q,o + k,v + mlp + norms
    expected = 49152 * 192 + 4 * per_layer + 192  # tied embedding, layers, final norm
    assert sum(p.numel() for p in model.parameters()) == expected  # about 11M, 9.4M embedding


def test_scratch_and_pretrained_train_the_same_steps(tiny_lm: CausalLM) -> None:
    bench = LoraBench(tiny_lm)
    before = {k: v.clone() for k, v in bench.model.state_dict().items()}
    split = Split(train=TRAIN * 2, held_out=HELD_OUT)
    settings = replace(LIVE, epochs=3, batch_size=2, early_stop=True, patience=1)
    seen: list[tuple[str, int]] = []
    result = transfer_demo(
        bench, split, settings, on_step=lambda arm, p: seen.append((arm, p.step))
    )
    steps = result.pretrained.run.steps
    assert steps == result.scratch.run.steps == 12  # 4 batches x 3 epochs; no early stop
    assert seen == [(PRETRAINED, s) for s in range(1, 13)] + [(SCRATCH, s) for s in range(1, 13)]
    for arm in (result.pretrained, result.scratch):
        assert [s for s, _ in arm.run.held_out] == [0, 2, 4, 6, 8, 10, 12]
        assert len(arm.answers) == len(result.prompts) == 4
        assert all(isinstance(answer, str) for answer in arm.answers)
    assert (
        result.prompts == [e.prompt for e in HELD_OUT] and result.expected[0] == "ran in the park"
    )
    assert result.scratch.trained_weights == result.scratch.total_weights  # trained in full
    lora = sum(t.numel() for t in result.pretrained.run.state_dict.values())
    base = sum(p.numel() for p in bench.model.parameters())
    assert result.pretrained.trained_weights == lora  # LoRA only, on a frozen base
    assert result.pretrained.total_weights == base + lora
    for name, tensor in bench.model.state_dict().items():
        assert torch.equal(tensor, before[name]), name  # the shared copy stays the base model
    again = transfer_demo(bench, split, settings)
    assert again.scratch.answers == result.scratch.answers  # seeded: the same fresh model
    assert again.pretrained.answers == result.pretrained.answers


def test_a_token_limit_that_leaves_no_answer_is_refused(tiny_lm: CausalLM) -> None:
    """Issue 16, item 1: a limit the prompt alone fills used to run 0 steps and divide 0 by 0."""
    bench = LoraBench(tiny_lm)
    long_prompt = " ".join(["the cat sat on the mat"] * 3)  # 18 words: longer than 16 tokens
    hopeless = [Example(long_prompt, "world")] * 4
    message = r"nothing is left to learn: .* take 18 tokens .* to at least 26\."
    with pytest.raises(InvalidInputError, match=message):
        bench.train(hopeless, LIVE)
    with pytest.raises(InvalidInputError, match=message):  # never a loss of 0/0
        bench.held_out_loss(hopeless, None, 16)
    with pytest.raises(InvalidInputError, match=message):  # the held-out set is checked too
        bench.train(TRAIN, LIVE, held_out=hopeless)
    mixed = bench.train([*TRAIN, hopeless[0]], replace(LIVE, epochs=1))
    assert mixed.steps == 4  # 4 usable examples, batches of 1: the step count says so
    assert mixed.notes == [
        "1 of 5 training examples keep none of their answer within 16 tokens and were left out."
    ]


def test_base_loss_is_remembered_per_token_limit_and_split(tiny_lm: CausalLM) -> None:
    """Issue 16, items 2-3: the "before" figure must follow the run's token limit and data."""
    bench = LoraBench(tiny_lm)
    calls = []
    measure = bench.held_out_loss

    def counting(examples, adapter, max_seq_len=96, cancel=None):
        calls.append(max_seq_len)
        return measure(examples, adapter, max_seq_len, cancel)

    bench.held_out_loss = counting  # type: ignore[method-assign]
    short, long = bench.base_loss(HELD_OUT, 6), bench.base_loss(HELD_OUT, 16)
    by_hand = reference_held_out_loss(bench.model, bench.tokenizer, HELD_OUT, 6)
    assert math.isclose(short, by_hand, abs_tol=1e-5)
    by_hand = reference_held_out_loss(bench.model, bench.tokenizer, HELD_OUT, 16)
    assert math.isclose(long, by_hand, abs_tol=1e-5)
    assert not math.isclose(short, long)
    assert bench.base_loss(HELD_OUT, 16) == long and calls == [6, 16]  # remembered
    other = bench.base_loss(HELD_OUT[:2], 16)
    assert calls == [6, 16, 16] and not math.isclose(other, long)  # another split: measured


def test_too_many_prompts_to_compare_are_refused_not_dropped() -> None:
    """Issue 16, item 5: 20 prompts used to come back as 12 answers without a word."""
    from models.finetune.compare import MAX_PROMPTS, clean_prompts

    assert clean_prompts([f"q{i}" for i in range(MAX_PROMPTS)] + ["", "  "]) == [
        f"q{i}" for i in range(MAX_PROMPTS)
    ]
    with pytest.raises(InvalidInputError, match=r"at most 12 prompts .* you gave 20: split"):
        clean_prompts([f"q{i}" for i in range(20)])


def test_the_held_out_report_names_the_kept_step() -> None:
    curve = [(0, 3.0), (2, 2.0), (4, 1.5), (6, 1.8)]
    assert held_out_report(curve, 4, 6, "stopped early at step 6: held-out ...", 3) == (
        "Held-out loss on 3 held-out examples 3.000 before training, lowest 1.500 at step 4, "
        "1.800 at step 6; the adapter kept is step 4's, not the last step's (6). Training "
        "stopped early at step 6: held-out ...."
    )
    assert held_out_report(curve[:3], 4, 4, "cancelled", 3) == (
        "Held-out loss on 3 held-out examples 3.000 before training, lowest 1.500 at step 4; the "
        "adapter is the last step's (4)."
    )
    assert held_out_report(curve[:2], 2, 2, examples=10).startswith(
        "Held-out loss on 10 held-out examples 3.000 before training, lowest 2.000 at step 2;"
    )
    assert held_out_report([], 0, 0) == ""


def test_the_overfitting_recipe_takes_disjoint_slices_of_its_built_in_set() -> None:
    examples = load_builtin(assets_folder() / OVERFIT_RECIPE.data_file).examples
    split = overfit_split(examples)
    assert len(split.train) == 8 and len(split.held_out) == 8
    assert not set(split.train) & set(split.held_out)
    assert set(split.train) | set(split.held_out) <= set(examples)
    assert overfit_split(examples) == split  # the same slice every time
    too_many = OverfitRecipe(OVERFIT_RECIPE.data_file, 100, 8, OVERFIT_RECIPE.settings)
    with pytest.raises(
        InvalidInputError, match="train_examples must be a whole number from 1 to 32"
    ):
        overfit_split(examples, too_many)
