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
from typing import Any

from models.errors import InvalidInputError
from models.finetune.batches import encode_example, make_batches
from models.finetune.data import Example
from models.finetune.evaluation import (
    EVAL_BATCH,
    token_loss_sums,
)
from models.finetune.settings import MAX_WALL_SECONDS, TrainedAdapter, TrainProgress, TrainSettings
from models.text.causal_lm import CausalLM

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
MAX_ADAPTERS = 8  # adapters held in memory across all sessions (PLAYGROUND_MAX_ADAPTERS overrides)
ADAPTER_MAX_AGE = 3 * 3600  # seconds; the Fine-tune tab's session time_to_live


class BenchWaitCancelled(Exception):
    """Raised by ``LoraBench.adapted`` when its caller stopped waiting for the bench."""


class AdapterLedger:
    """Counts adapters held by sessions so the server can refuse past ``MAX_ADAPTERS``.

    A claim lapses ``max_age`` seconds after it was made (or renewed by training again): the
    Fine-tune tab's session state expires after as long, and Gradio drops the oldest sessions past
    its session cap without calling their ``release``, so without lapsing, slots would be lost for
    good and fine-tuning refused to everyone."""

    def __init__(self, limit: int = MAX_ADAPTERS, max_age: float = ADAPTER_MAX_AGE) -> None:
        self.limit = limit
        self.max_age = max_age
        self._held: dict[str, float] = {}  # session key -> when claimed
        self._lock = threading.Lock()

    def claim(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for stale in [k for k, at in self._held.items() if now - at > self.max_age]:
                del self._held[stale]
            if key not in self._held and len(self._held) >= self.limit:
                raise InvalidInputError(
                    f"The server already holds {self.limit} fine-tuned models, its limit. "
                    "Try again in a few minutes, when other sessions have ended."
                )
            self._held[key] = now

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
        while not self.lock.acquire(timeout=0.2):
            if cancel is not None and cancel.is_set():
                raise BenchWaitCancelled
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
        with self.lock:
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
    ) -> float:
        """Mean per-token loss on the response tokens of ``examples``."""
        import torch

        settings = TrainSettings(max_seq_len=max_seq_len, batch_size=EVAL_BATCH)
        total_loss, total_tokens = 0.0, 0
        with self.adapted(adapter) as model, torch.no_grad():
            for ids, mask, labels in make_batches(self.tokenizer, examples, settings, 0):
                logits = model(input_ids=ids, attention_mask=mask).logits
                batch_loss, batch_tokens = token_loss_sums(logits, labels)
                total_loss, total_tokens = total_loss + batch_loss, total_tokens + batch_tokens
        return total_loss / total_tokens  # encode_batches refuses a set with no answer tokens

    def base_loss(self, examples: list[Example], max_seq_len: int) -> float:
        """The base model's held-out loss, remembered per token limit and example set: a later
        run with another limit or another split measures again, never reuses a stale figure."""
        key = (int(max_seq_len), tuple(examples))
        if key not in self._base_losses:
            loss = self.held_out_loss(examples, None, max_seq_len)
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
