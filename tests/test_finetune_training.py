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
from models.finetune.batches import encode_example
from models.finetune.compare import CompareSettings, compare, sample_reply
from models.finetune.data import Example
from models.finetune.export import save_adapter, zip_adapter
from models.finetune.settings import TrainSettings
from models.finetune.training import IDLE_SECONDS, AdapterLedger, BenchWaitCancelled, LoraBench
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


def test_cancel_while_another_run_holds_the_bench_ends_the_wait(tiny_lm: CausalLM) -> None:
    """A Cancel pressed while a run waits for the bench (another run trains on it) ends the run
    at once: a demo's Cancel once stayed at "Cancelling…" for minutes behind another run."""
    bench = LoraBench(tiny_lm)
    cancel = threading.Event()
    bench.lock.acquire()  # another run is training
    try:
        cancel.set()
        with pytest.raises(BenchWaitCancelled):
            bench.train(EXAMPLES, FAST, cancel=cancel)
        with pytest.raises(BenchWaitCancelled):
            bench.base_loss(EXAMPLES[:2], 16, cancel)
    finally:
        bench.lock.release()
    assert bench.train(EXAMPLES, FAST).steps > 0  # the lock was given back: the bench works


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
        ("epochs", float("nan"), "epochs must be a whole number from 1 to 10"),
        ("learning_rate", -1.0, "learning_rate must be a number from"),
        ("rank", 0, "rank must be a whole number from 1 to 64"),
        ("max_steps", 10**9, "max_steps must be a whole number from 1 to 500"),
        ("max_seq_len", "many", "max_seq_len must be a whole number"),
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
    with ledger.using("a"), ledger.using("b"):  # both busy: nothing can make room
        with pytest.raises(InvalidInputError, match="already holds 2 fine-tuned models"):
            ledger.claim("c")
    ledger.release("a")
    ledger.claim("c")
    assert ledger.held == 2


class FakeClock:
    """A clock the test moves by hand: no sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_full_server_lets_a_newcomer_in_by_evicting_the_least_recently_used_idle_one() -> None:
    """Issue "Hold under hostile input" 3: a full server evicts the adapter used longest ago
    among those not training or writing right now; it refuses only when all are busy."""
    clock, evicted = FakeClock(), []
    ledger = AdapterLedger(limit=3, clock=clock)
    for when, key in enumerate("abc"):
        clock.now = when
        ledger.claim(key, f"10.0.0.{when}", on_evict=lambda key=key: evicted.append(key))
    clock.now = 5
    with ledger.using("a"):  # "a" writes: "b" becomes the least recently used
        clock.now = 6
    with ledger.using("c"):  # "c" is busy while the newcomer arrives
        ledger.claim("d", "10.0.0.9", on_evict=lambda: evicted.append("d"))
    assert evicted == ["b"] and ledger.holds("d") and not ledger.holds("b")
    with ledger.using("a"), ledger.using("c"), ledger.using("d"):
        with pytest.raises(InvalidInputError, match="holds 3 fine-tuned models, its limit, all in"):
            ledger.claim("e", "10.0.0.10")
    assert ledger.held == 3 and evicted == ["b"]


def test_one_address_holds_at_most_half_the_slots_and_evicts_only_its_own() -> None:
    """Nine API sessions from one address (a script, or a lecture hall behind one NAT) hold at
    most half the slots; each newcomer from there evicts that address's own idle adapter."""
    clock, evicted = FakeClock(), []
    ledger = AdapterLedger(limit=8, clock=clock)
    assert ledger.per_address == 4
    for key in ("other-1", "other-2"):
        ledger.claim(key, "198.51.100.1" if key == "other-1" else "198.51.100.2")
    for number in range(9):
        clock.now = 10 + number
        key = f"script-{number}"
        ledger.claim(key, "203.0.113.7", on_evict=lambda key=key: evicted.append(key))
    assert evicted == [f"script-{n}" for n in range(5)]  # its own oldest, in order
    assert ledger.held == 6 and ledger.holds("other-1") and ledger.holds("other-2")
    with ledger.using("script-5"), ledger.using("script-6"), ledger.using("script-7"):
        with ledger.using("script-8"):
            with pytest.raises(InvalidInputError, match="Your network already holds 4 of the"):
                ledger.claim("script-9", "203.0.113.7")
            ledger.claim("newcomer", "192.0.2.1")  # another address still gets in
    assert ledger.holds("newcomer")


def test_an_idle_adapter_gives_its_slot_up_after_30_minutes() -> None:
    clock, evicted = FakeClock(), []
    assert IDLE_SECONDS == 30 * 60
    ledger = AdapterLedger(limit=2, clock=clock)
    ledger.claim("a", "10.0.0.1", on_evict=lambda: evicted.append("a"))
    ledger.claim("b", "10.0.0.2", on_evict=lambda: evicted.append("b"))
    with ledger.using("a"):  # a long call: busy adapters never lapse
        clock.now = IDLE_SECONDS + 1
        ledger.claim("c", "10.0.0.3")  # "b" lapsed: its slot goes to "c", nothing is evicted
    assert evicted == ["b"] and ledger.holds("a") and ledger.holds("c")
    clock.now = 2 * IDLE_SECONDS  # "a" was used when its call ended, 29:59 ago
    ledger.claim("c", "10.0.0.3")
    assert ledger.holds("a")
    clock.now = 2 * IDLE_SECONDS + 2
    ledger.claim("c", "10.0.0.3")  # the same session renews its claim
    assert not ledger.holds("a") and evicted == ["b", "a"] and ledger.held == 1


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
