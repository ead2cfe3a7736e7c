"""LoRA fine-tuning of a causal LM on a handful of examples, without touching the shared model.

How it stays safe on a shared server:
- The registry's model is never modified. A ``LoraBench`` holds one private deep copy of it per
  process (built lazily) and a lock; training and tuned generation take turns on that copy.
- LoRA layers are injected for one call and removed afterwards (``unload``), so the copy is
  always the plain base model between calls. A trained adapter is just a small state dict plus its
  config (``TrainedAdapter``): it lives in the user's session, nowhere else.
- Base weights are frozen; only the low-rank matrices train. LoRA goes on the attention and MLP
  projections of the top ``lora_layers`` layers only, so back-propagation stops there: about
  twice as fast on a CPU as adapting every layer, and enough to learn a style. After the first
  epoch the frozen layers below are not run again (models/finetune/frozen_prefix.py).

Given held-out examples, a run measures their loss every ``eval_every`` steps (cheaply: see
models/finetune/evaluation.py), can stop early when it stops improving, and keeps the weights of the
best step. The loop itself is models/finetune/loop.py; it trains a whole model too
(models/finetune/transfer.py).

Parsing uploads lives in models/finetune/data.py; generation for comparisons in
models/finetune/compare.py.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from models.errors import InvalidInputError
from models.finetune.batches import encode_example, make_batches
from models.finetune.data import Example
from models.finetune.evaluation import (
    EVAL_BATCH,
    token_loss_sums,
)
from models.finetune.settings import MAX_WALL_SECONDS, TrainedAdapter, TrainProgress, TrainSettings
from models.sentences import sentence
from models.text.causal_lm import CausalLM

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
MAX_ADAPTERS = 8  # adapters held in memory across all sessions (PLAYGROUND_MAX_ADAPTERS overrides)
ADAPTER_MAX_AGE = 3 * 3600  # seconds; the Fine-tune tab's session time_to_live
IDLE_SECONDS = 30 * 60  # an adapter not used for this long gives its slot up


class BenchWaitCancelled(Exception):
    """Raised by ``LoraBench.adapted`` when its caller stopped waiting for the bench."""


@dataclass
class Slot:
    """One session's adapter slot: who holds it, when it was claimed and last used, and what to
    call when it is taken back (the session then drops its adapter)."""

    address: str
    claimed: float
    used: float
    on_evict: Callable[[], None] | None = None


class AdapterLedger:
    """Counts adapters held by sessions so the server holds at most ``limit`` (``MAX_ADAPTERS``).

    Nobody can lock fine-tuning for everyone (API sessions never end, so their slots are never
    released):
    - one slot per session (its key is the browser's or API client's session), and at most
      ``per_address`` (half the slots) per client address: a lecture hall behind one NAT still
      shares half the server, a script from one address never takes it all;
    - a slot lapses once its adapter has not been used for ``idle`` seconds (30 min), or
      ``max_age`` seconds after it was claimed (the Fine-tune tab's session time_to_live: Gradio
      drops sessions past its cap without calling ``release``);
    - when the server (or the newcomer's address) is full, the least recently used *idle* adapter
      (of that address, when the address is full) is evicted to let the newcomer in; one that is
      training or writing right now (``using``) is never evicted, and only when all of them are
      busy is the newcomer refused, with a sentence.
    An evicted or lapsed slot calls its ``on_evict`` (outside the lock), so the session drops its
    adapter and says so on its next use. ``clock`` is a test's fake clock."""

    def __init__(
        self,
        limit: int = MAX_ADAPTERS,
        max_age: float = ADAPTER_MAX_AGE,
        idle: float = IDLE_SECONDS,
        per_address: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.max_age = max_age
        self.idle = idle
        self.per_address = per_address if per_address is not None else max(1, limit // 2)
        self.clock = clock
        self._held: dict[str, Slot] = {}  # session key -> its slot
        self._busy: dict[str, int] = {}  # session key -> calls using its adapter right now
        self._lock = threading.Lock()

    def claim(
        self,
        key: str,
        address: str = "",
        on_evict: Callable[[], None] | None = None,
        now: float | None = None,
    ) -> None:
        """Hold (or renew) ``key``'s slot, evicting an idle one when the server or ``address`` is
        full; refused with a sentence only when every adapter that could go is busy."""
        now = self.clock() if now is None else now
        with self._lock:
            dropped = self._sweep(now)
            slot = self._held.get(key)
            if slot is None:
                mine = [k for k, held in self._held.items() if address and held.address == address]
                if len(mine) >= self.per_address:
                    dropped += self._evict(mine, sentence(
                        "Your network already holds {n} of the server's {limit} fine-tuned "
                        "models, all in use right now. Try again when one of them has finished.",
                        n=len(mine), limit=self.limit,
                    ))  # fmt: skip
                if len(self._held) >= self.limit:
                    dropped += self._evict(list(self._held), sentence(
                        "The server already holds {limit} fine-tuned models, its limit, all in "
                        "use right now. Try again in a few minutes.",
                        limit=self.limit,
                    ))  # fmt: skip
                self._held[key] = Slot(address, now, now, on_evict)
            else:
                slot.claimed = slot.used = now
                slot.address = address or slot.address
                slot.on_evict = on_evict or slot.on_evict
        for callback in dropped:
            callback()

    def _idle(self, key: str) -> bool:
        return not self._busy.get(key)

    def _sweep(self, now: float) -> list[Callable[[], None]]:
        """Drop the idle slots that lapsed; their callbacks, to call outside the lock."""
        lapsed = [
            key
            for key, slot in self._held.items()
            if self._idle(key)
            and (now - slot.used > self.idle or now - slot.claimed > self.max_age)
        ]
        return [c for key in lapsed if (c := self._held.pop(key).on_evict) is not None]

    def _evict(self, keys: list[str], refusal: str) -> list[Callable[[], None]]:
        """Take back the least recently used idle slot among ``keys``, or refuse."""
        idle = [key for key in keys if self._idle(key)]
        if not idle:
            raise InvalidInputError(refusal)
        oldest = min(idle, key=lambda key: self._held[key].used)
        callback = self._held.pop(oldest).on_evict
        return [callback] if callback is not None else []

    @contextlib.contextmanager
    def using(self, key: str) -> Iterator[None]:
        """Mark ``key``'s adapter as in use (training, writing, comparing) for the block: it is
        neither evicted nor lapses meanwhile, and counts as used when the block starts and ends."""
        with self._lock:
            self._busy[key] = self._busy.get(key, 0) + 1
            self._touch(key)
        try:
            yield
        finally:
            with self._lock:
                self._busy[key] -= 1
                if not self._busy[key]:
                    del self._busy[key]
                self._touch(key)

    def _touch(self, key: str) -> None:
        slot = self._held.get(key)
        if slot is not None:
            slot.used = self.clock()

    def holds(self, key: str) -> bool:
        """Whether ``key`` still holds a slot (it was not evicted and did not lapse)."""
        with self._lock:
            return key in self._held

    def release(self, key: str) -> None:
        with self._lock:
            self._held.pop(key, None)

    @property
    def held(self) -> int:
        return len(self._held)


class LoraBench:
    """A private copy of one base model on which LoRA adapters are trained and run, one call at a
    time. Build one per base model per process (``bench_for``)."""

    def __init__(self, lm: CausalLM) -> None:
        self.name = lm.name
        self.tokenizer = lm.tokenizer
        self.model = copy.deepcopy(lm.model).eval()
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)
        self.lock = threading.Lock()
        self.num_layers = int(self.model.config.num_hidden_layers)
        self.reuse_frozen_layers = True  # see models/finetune/frozen_prefix.py; off only to compare
        self._base_losses: dict[tuple[int, tuple[Example, ...]], float] = {}

    def lora_config(self, settings: TrainSettings) -> Any:
        from peft import LoraConfig

        first = max(0, self.num_layers - settings.lora_layers)
        return LoraConfig(
            r=settings.rank,
            lora_alpha=2 * settings.rank,
            lora_dropout=0.0,
            target_modules=list(TARGET_MODULES),
            layers_to_transform=list(range(first, self.num_layers)),
            task_type="CAUSAL_LM",
        )

    @contextlib.contextmanager
    def adapted(
        self, adapter: TrainedAdapter | None, cancel: threading.Event | None = None
    ) -> Iterator[Any]:
        """The model with ``adapter`` applied (or the plain base for None), under the lock;
        the LoRA layers are removed again on exit. While another call holds the bench (someone
        is training), setting ``cancel`` gives up waiting with ``BenchWaitCancelled``."""
        self.wait_for_bench(cancel)
        try:
            if adapter is None:
                yield self.model
                return
            from peft import LoraConfig, get_peft_model, set_peft_model_state_dict

            peft_model = get_peft_model(self.model, LoraConfig(**adapter.config))
            try:
                set_peft_model_state_dict(peft_model, adapter.state_dict)
                peft_model.eval()
                yield peft_model
            finally:
                self.model = peft_model.unload()
        finally:
            self.lock.release()

    def wait_for_bench(self, cancel: threading.Event | None) -> None:
        """Take the bench's lock; while another call holds it, ``cancel`` set gives up waiting
        with ``BenchWaitCancelled`` (a Cancel pressed while a run waits ends it at once)."""
        while not self.lock.acquire(timeout=0.2):
            if cancel is not None and cancel.is_set():
                raise BenchWaitCancelled

    @property
    def busy(self) -> bool:
        """Whether a call (training or a tuned generation) holds the bench right now."""
        return self.lock.locked()

    def train(
        self,
        examples: list[Example],
        settings: TrainSettings,
        on_step: Callable[[TrainProgress], None] | None = None,
        cancel: threading.Event | None = None,
        max_seconds: float = MAX_WALL_SECONDS,
        held_out: list[Example] | None = None,
    ) -> TrainedAdapter:
        """Train a fresh adapter on ``examples``; stops at max_steps, on ``cancel`` (within one
        step), at the wall-time cap or (with ``held_out`` and a patience) early, and returns what
        it learned: the best evaluated step's weights when held-out examples are given."""
        import torch
        from peft import get_peft_model, get_peft_model_state_dict

        from models.finetune.loop import train_loop

        settings = settings.validated()
        if not examples:
            raise InvalidInputError("There are no training examples: upload or pick a data set.")
        self.wait_for_bench(cancel)  # behind another run: a Cancel meanwhile ends this one
        with contextlib.ExitStack() as held:
            held.callback(self.lock.release)
            torch.manual_seed(settings.seed)  # LoRA's initial weights
            config = self.lora_config(settings)
            peft_model = get_peft_model(self.model, config)
            try:
                adapter = train_loop(
                    peft_model,
                    self.tokenizer,
                    examples,
                    settings,
                    weights=lambda: get_peft_model_state_dict(peft_model),
                    first_trained_layer=self.num_layers - settings.lora_layers,
                    reuse_frozen_layers=self.reuse_frozen_layers,
                    held_out=held_out,
                    on_step=on_step,
                    cancel=cancel,
                    max_seconds=max_seconds,
                )
                adapter.base_model = self.name
                adapter.config = config.to_dict()
                adapter.config.pop("peft_type", None)
                adapter.config.pop("base_model_name_or_path", None)  # a path; base_model names it
                adapter.config["target_modules"] = sorted(adapter.config["target_modules"])
                return adapter
            finally:
                self.model = peft_model.unload()
                for parameter in self.model.parameters():
                    parameter.requires_grad_(False)

    def held_out_loss(
        self,
        examples: list[Example],
        adapter: TrainedAdapter | None,
        max_seq_len: int = TrainSettings().max_seq_len,
        cancel: threading.Event | None = None,
    ) -> float:
        """Mean per-token loss on the response tokens of ``examples``."""
        import torch

        settings = TrainSettings(max_seq_len=max_seq_len, batch_size=EVAL_BATCH)
        total_loss, total_tokens = 0.0, 0
        with self.adapted(adapter, cancel) as model, torch.no_grad():
            for ids, mask, labels in make_batches(self.tokenizer, examples, settings, 0):
                logits = model(input_ids=ids, attention_mask=mask).logits
                batch_loss, batch_tokens = token_loss_sums(logits, labels)
                total_loss, total_tokens = total_loss + batch_loss, total_tokens + batch_tokens
        return total_loss / total_tokens  # encode_batches refuses a set with no answer tokens

    def base_loss(
        self, examples: list[Example], max_seq_len: int, cancel: threading.Event | None = None
    ) -> float:
        """The base model's held-out loss, remembered per token limit and example set: a later
        run with another limit or another split measures again, never reuses a stale figure."""
        key = (int(max_seq_len), tuple(examples))
        if key not in self._base_losses:
            loss = self.held_out_loss(examples, None, max_seq_len, cancel)
            if len(self._base_losses) >= 32:  # a few data sets x token limits; bounded anyway
                self._base_losses.pop(next(iter(self._base_losses)))
            self._base_losses[key] = loss
        return self._base_losses[key]


def adapter_limit(environ: dict[str, str] | None = None) -> int:
    """``PLAYGROUND_MAX_ADAPTERS`` when it is a whole number above 0, else ``MAX_ADAPTERS``."""
    configured = (os.environ if environ is None else environ).get("PLAYGROUND_MAX_ADAPTERS", "")
    configured = configured.strip()
    return int(configured) if configured.isdigit() and int(configured) > 0 else MAX_ADAPTERS


ADAPTERS = AdapterLedger(adapter_limit())  # server-wide count of adapters that sessions hold
_benches: dict[str, LoraBench] = {}
_benches_lock = threading.Lock()


def bench_for(lm: CausalLM) -> LoraBench:
    """The process's LoraBench for a base model, built on first use (a ~0.5 GB copy for the
    default model). Keyed by model name: the models themselves are shared, not per user."""
    with _benches_lock:
        if lm.name not in _benches:
            _benches[lm.name] = LoraBench(lm)
        return _benches[lm.name]


def token_length_summary(tokenizer: Any, examples: list[Example], max_seq_len: int) -> dict:
    """Token counts per example (prompt + response as trained) and how many get truncated."""
    lengths = sorted(len(encode_example(tokenizer, e, 10_000)[0]) for e in examples)
    if not lengths:
        return {"min": 0, "median": 0, "max": 0, "total": 0, "truncated": 0}
    return {
        "min": lengths[0],
        "median": lengths[len(lengths) // 2],
        "max": lengths[-1],
        "total": sum(lengths),
        "truncated": sum(length > max_seq_len for length in lengths),
    }
