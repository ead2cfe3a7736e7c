"""LoRA training on a tiny seeded Llama: loss falls, the base never changes, sessions stay apart,
cancel stops within a step, and an exported adapter reloads with peft to the same outputs."""

from __future__ import annotations

import copy
import math
import threading
import zipfile
from pathlib import Path

import pytest
import torch

from models.errors import InvalidInputError
from models.finetune.compare import CompareSettings, compare, sample_reply
from models.finetune.data import Example
from models.finetune.export import save_adapter, zip_adapter
from models.finetune.training import AdapterLedger, LoraBench, TrainSettings, encode_example
from models.text.causal_lm import CausalLM
from tests.tiny_models import save_tiny_causal_lm

EXAMPLES = [
    Example("the cat", "sat on the mat"),
    Example("a dog", "ran in the park"),
    Example("hello", "world"),
    Example("the dog", "sat on a mat"),
] * 4
FAST = TrainSettings(
    epochs=10,
    learning_rate=1e-2,
    rank=8,
    max_seq_len=16,
    max_steps=100,
    batch_size=4,
    lora_layers=2,
)


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> CausalLM:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = save_tiny_causal_lm(tmp_path_factory.mktemp("tiny") / "lm", seed=3)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    return CausalLM(model, AutoTokenizer.from_pretrained(folder), str(folder))


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_prompt_tokens_are_not_learned(tiny_lm: CausalLM) -> None:
    ids, labels = encode_example(tiny_lm.tokenizer, Example("the cat", "sat on the mat"), 64)
    assert len(ids) == len(labels)
    prompt_len = len(tiny_lm.tokenizer("the cat\n", add_special_tokens=False).input_ids)
    assert labels[:prompt_len] == [-100] * prompt_len
    assert labels[prompt_len:] == ids[prompt_len:]


def test_training_lowers_loss_and_never_touches_the_base(tiny_lm: CausalLM) -> None:
    shared_before = snapshot(tiny_lm.model)
    bench = LoraBench(tiny_lm)
    private_before = snapshot(bench.model)
    loss_before = bench.held_out_loss(EXAMPLES[:4], None, 16)
    adapter = bench.train(EXAMPLES, FAST)
    loss_after = bench.held_out_loss(EXAMPLES[:4], adapter, 16)
    assert adapter.steps == 40 and len(adapter.losses) == 40
    assert loss_after < 0.85 * loss_before
    for name, tensor in snapshot(tiny_lm.model).items():
        assert torch.equal(tensor, shared_before[name]), name
    assert snapshot(bench.model).keys() == private_before.keys()  # LoRA layers were removed
    for name, tensor in snapshot(bench.model).items():
        assert torch.equal(tensor, private_before[name]), name
    assert math.isclose(bench.held_out_loss(EXAMPLES[:4], None, 16), loss_before, rel_tol=1e-6)


def test_sessions_do_not_see_each_others_adapters(tiny_lm: CausalLM) -> None:
    bench = LoraBench(tiny_lm)
    first = bench.train(EXAMPLES, FAST)
    second = bench.train(EXAMPLES[:8], TrainSettings(**{**FAST.__dict__, "seed": 7}))
    greedy = CompareSettings(max_new_tokens=6)
    with bench.adapted(None) as base:
        base_reply = sample_reply(base, bench.tokenizer, "the cat", greedy)
    # the shared model (what other users generate with) gives the base reply too
    assert sample_reply(tiny_lm.model, tiny_lm.tokenizer, "the cat", greedy) == base_reply
    with bench.adapted(first) as tuned:
        first_reply = sample_reply(tuned, bench.tokenizer, "the cat", greedy)
    assert first_reply == "sat on the mat"
    assert not all(torch.equal(first.state_dict[k], second.state_dict[k]) for k in first.state_dict)
    rows = compare(bench, first, ["the cat", "a dog"], greedy)
    assert rows[0].base == base_reply and rows[0].tuned == "sat on the mat"


def test_same_seed_same_sample(tiny_lm: CausalLM) -> None:
    warm = CompareSettings(max_new_tokens=8, temperature=1.5, top_p=1.0, seed=11)
    first = sample_reply(tiny_lm.model, tiny_lm.tokenizer, "hello", warm)
    assert sample_reply(tiny_lm.model, tiny_lm.tokenizer, "hello", warm) == first
    others = {
        sample_reply(tiny_lm.model, tiny_lm.tokenizer, "hello", CompareSettings(8, 1.5, 1.0, seed))
        for seed in range(6)
    }
    assert len(others) > 1


def test_cancel_stops_within_one_step(tiny_lm: CausalLM) -> None:
    bench = LoraBench(tiny_lm)
    cancel = threading.Event()
    seen: list[int] = []

    def on_step(progress) -> None:
        seen.append(progress.step)
        if progress.step == 3:
            cancel.set()

    adapter = bench.train(EXAMPLES, FAST, on_step=on_step, cancel=cancel)
    assert adapter.stopped == "cancelled"
    assert adapter.steps == 3 and seen == [1, 2, 3]
    assert bench.held_out_loss(EXAMPLES[:2], None, 16) > 0  # bench still usable


def test_time_cap_stops_training(tiny_lm: CausalLM) -> None:
    adapter = LoraBench(tiny_lm).train(EXAMPLES, FAST, max_seconds=0.0)
    assert adapter.steps == 0 and "time cap" in adapter.stopped


def test_export_round_trip(tiny_lm: CausalLM, tmp_path: Path) -> None:
    from peft import PeftModel

    bench = LoraBench(tiny_lm)
    adapter = bench.train(EXAMPLES, FAST)
    folder = save_adapter(bench, adapter, tmp_path / "adapter")
    assert {p.name for p in folder.iterdir()} >= {
        "adapter_config.json",
        "adapter_model.safetensors",
    }
    reloaded = PeftModel.from_pretrained(copy.deepcopy(tiny_lm.model), str(folder)).eval()
    ids = tiny_lm.tokenizer("the cat sat\n", return_tensors="pt").input_ids
    with bench.adapted(adapter) as tuned, torch.no_grad():
        expected = tuned(input_ids=ids).logits
    with torch.no_grad():
        assert torch.allclose(reloaded(input_ids=ids).logits, expected, atol=1e-5)
    with zipfile.ZipFile(zip_adapter(bench, adapter)) as archive:
        assert "lora-adapter/adapter_model.safetensors" in archive.namelist()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("epochs", float("nan"), "epochs must be a number from 1 to 10"),
        ("learning_rate", -1.0, "learning_rate must be a number from"),
        ("rank", 0, "rank must be a number from 1 to 64"),
        ("max_steps", 10**9, "max_steps must be a number from 1 to 500"),
        ("max_seq_len", "many", "max_seq_len must be a number"),
        ("learning_rate", float("inf"), "learning_rate must be a number from"),
    ],
)
def test_bad_settings_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        TrainSettings(**{field: value}).validated()


def test_bad_compare_settings_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="temperature must be a number from 0 to 2"):
        CompareSettings(temperature=float("nan")).validated()
    with pytest.raises(InvalidInputError, match="max_new_tokens"):
        CompareSettings(max_new_tokens=-5).validated()


def test_adapter_ledger_caps_and_releases() -> None:
    ledger = AdapterLedger(limit=2)
    ledger.claim("a")
    ledger.claim("b")
    ledger.claim("a")  # the same session again is fine
    with pytest.raises(InvalidInputError, match="already holds 2 fine-tuned models"):
        ledger.claim("c")
    ledger.release("a")
    ledger.claim("c")
    assert ledger.held == 2


def test_reusing_frozen_layers_changes_nothing_but_time(tiny_lm: CausalLM) -> None:
    top_only = TrainSettings(**{**FAST.__dict__, "lora_layers": 1, "max_steps": 12})
    results = []
    for reuse in (False, True):
        bench = LoraBench(tiny_lm)
        bench.reuse_frozen_layers = reuse
        results.append(bench.train(EXAMPLES, top_only))
    full, reused = results
    assert full.steps == reused.steps == 12  # 4 batches per epoch: epochs 2-3 reuse epoch 1's
    assert torch.allclose(torch.tensor(full.losses), torch.tensor(reused.losses), atol=1e-6)
    for name, tensor in full.state_dict.items():
        assert torch.allclose(tensor, reused.state_dict[name], atol=1e-6), name
    assert "layers.0." not in " ".join(reused.state_dict)  # only the top layer was adapted


def test_frozen_prefix_keeps_one_hidden_state_per_batch(tiny_lm: CausalLM) -> None:
    from peft import get_peft_model

    from models.finetune.frozen_prefix import FrozenPrefixCache

    bench = LoraBench(tiny_lm)
    settings = TrainSettings(**{**FAST.__dict__, "lora_layers": 1})
    peft_model = get_peft_model(bench.model, bench.lora_config(settings))
    try:
        cache = FrozenPrefixCache(peft_model, first_trained_layer=1)
        assert cache.enabled
        ids = tiny_lm.tokenizer(["the cat sat on the mat"], return_tensors="pt").input_ids
        mask, labels = torch.ones_like(ids), ids.clone()
        with torch.no_grad():
            first = cache.loss(0, ids, mask, labels).loss
            assert list(cache.hidden) == [0] and cache.hidden[0].shape == (1, ids.shape[1], 32)
            again = cache.loss(0, ids, mask, labels).loss  # top layer only
        assert torch.allclose(first, again, atol=1e-6)
        assert len(cache.layers) == 2  # the stack has all its layers back
    finally:
        bench.model = peft_model.unload()
