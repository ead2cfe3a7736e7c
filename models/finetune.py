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
  epoch the frozen layers below are not run again (models/frozen_prefix.py).

Parsing uploads lives in models/finetune_data.py; generation for comparisons in
models/finetune_compare.py.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from models.causal_lm import CausalLM
from models.errors import InvalidInputError
from models.finetune_data import Example
from models.frozen_prefix import FrozenPrefixCache
from models.validation import bounded_number, whole_number

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
MAX_WALL_SECONDS = 240  # hard cap per training run, stated in the UI
MAX_ADAPTERS = 8  # adapters held in memory across all sessions
ADAPTER_MAX_AGE = 3 * 3600  # seconds; the Fine-tune tab's session time_to_live


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters with their allowed ranges (checked by ``validated``)."""

    epochs: int = 3
    learning_rate: float = 2e-3
    rank: int = 8
    max_seq_len: int = 96
    max_steps: int = 120
    batch_size: int = 8
    lora_layers: int = 12
    seed: int = 0

    LIMITS = {  # noqa: RUF012 - a class-level table, not a dataclass field
        "epochs": (1, 10),
        "learning_rate": (1e-6, 1e-2),
        "rank": (1, 64),
        "max_seq_len": (16, 256),
        "max_steps": (1, 500),
        "batch_size": (1, 32),
        "lora_layers": (1, 64),
        "seed": (0, 2**31 - 1),
    }

    def validated(self) -> TrainSettings:
        """Self, or InvalidInputError naming the first bad value and its range."""
        values: dict[str, Any] = {}
        for name, (low, high) in self.LIMITS.items():
            check = bounded_number if name == "learning_rate" else whole_number
            values[name] = check(name, getattr(self, name), low, high)
        return TrainSettings(**values)


@dataclass
class TrainedAdapter:
    """A session's fine-tune: LoRA weights (CPU tensors), their config, and what happened."""

    state_dict: dict[str, Any]
    config: dict[str, Any]
    base_model: str
    losses: list[float] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    stopped: str = ""  # why training ended early ("cancelled", "time cap"), or ""


class BenchWaitCancelled(Exception):
    """Raised by ``LoraBench.adapted`` when its caller stopped waiting for the bench."""


@dataclass(frozen=True)
class TrainProgress:
    step: int
    total_steps: int
    epoch: int
    loss: float
    seconds: float


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


def encode_example(tokenizer: Any, example: Example, max_len: int) -> tuple[list[int], list[int]]:
    """Token ids and labels; prompt tokens get label -100 so only the response is learned."""
    eos = tokenizer.eos_token or ""
    if example.prompt and getattr(tokenizer, "chat_template", None):
        user = [{"role": "user", "content": example.prompt}]
        prompt = tokenizer.apply_chat_template(user, add_generation_prompt=True, tokenize=False)
        full = prompt + example.response + eos
    else:
        prompt = f"{example.prompt}\n" if example.prompt else ""
        full = prompt + example.response + eos
    prompt_ids = tokenizer(prompt, add_special_tokens=False).input_ids if prompt else []
    ids = tokenizer(full, add_special_tokens=False).input_ids[:max_len]
    labels = [-100] * min(len(prompt_ids), len(ids)) + ids[len(prompt_ids) :]
    return ids, labels[: len(ids)]


def make_batches(
    tokenizer: Any, examples: list[Example], settings: TrainSettings, seed: int
) -> list[tuple[Any, Any, Any]]:
    """Batches of (input_ids, attention_mask, labels), similar lengths together so little padding
    is computed; batch order shuffled by ``seed``."""
    batches = encode_batches(tokenizer, examples, settings)
    return [batches[i] for i in batch_order(len(batches), seed)]


def batch_order(count: int, seed: int) -> list[int]:
    import torch

    return torch.randperm(count, generator=torch.Generator().manual_seed(seed)).tolist()


def encode_batches(
    tokenizer: Any, examples: list[Example], settings: TrainSettings
) -> list[tuple[Any, Any, Any]]:
    """The batches in length order: the same batches every epoch, only their order changes."""
    import torch

    encoded = [encode_example(tokenizer, e, settings.max_seq_len) for e in examples]
    encoded = [pair for pair in encoded if any(label != -100 for label in pair[1])]
    encoded.sort(key=lambda pair: len(pair[0]))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    batches = []
    for start in range(0, len(encoded), settings.batch_size):
        chunk = encoded[start : start + settings.batch_size]
        width = max(len(ids) for ids, _ in chunk)
        ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        labels = torch.full((len(chunk), width), -100, dtype=torch.long)
        for row, (token_ids, token_labels) in enumerate(chunk):
            ids[row, : len(token_ids)] = torch.tensor(token_ids)
            mask[row, : len(token_ids)] = 1
            labels[row, : len(token_labels)] = torch.tensor(token_labels)
        batches.append((ids, mask, labels))
    return batches


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
        self.reuse_frozen_layers = True  # see models/frozen_prefix.py; off only to compare

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
    ) -> TrainedAdapter:
        """Train a fresh adapter on ``examples``; stops at max_steps, on ``cancel`` (within one
        step) or at the wall-time cap, and returns what it learned so far."""
        import torch
        from peft import get_peft_model, get_peft_model_state_dict

        settings = settings.validated()
        if not examples:
            raise InvalidInputError("There are no training examples: upload or pick a data set.")
        with self.lock:
            torch.manual_seed(settings.seed)  # LoRA's initial weights
            config = self.lora_config(settings)
            peft_model = get_peft_model(self.model, config)
            try:
                adapter = self._train_loop(
                    peft_model, examples, settings, on_step, cancel, max_seconds
                )
                state = get_peft_model_state_dict(peft_model)
                adapter.state_dict = {k: v.detach().clone() for k, v in state.items()}
                adapter.config = config.to_dict()
                adapter.config.pop("peft_type", None)
                adapter.config["target_modules"] = sorted(adapter.config["target_modules"])
                return adapter
            finally:
                self.model = peft_model.unload()
                for parameter in self.model.parameters():
                    parameter.requires_grad_(False)

    def _train_loop(self, peft_model, examples, settings, on_step, cancel, max_seconds):
        import torch

        trainable = [p for p in peft_model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.0)
        batches_per_epoch = math.ceil(len(examples) / settings.batch_size)
        total = min(settings.max_steps, batches_per_epoch * settings.epochs)
        adapter = TrainedAdapter({}, {}, self.name)
        started = time.perf_counter()
        batches = encode_batches(self.tokenizer, examples, settings)
        frozen = FrozenPrefixCache(
            peft_model, self.num_layers - settings.lora_layers, enabled=self.reuse_frozen_layers
        )
        peft_model.train()
        step = 0
        for epoch in range(settings.epochs):
            for index in batch_order(len(batches), settings.seed + epoch):
                ids, mask, labels = batches[index]
                if step >= total:
                    break
                if cancel is not None and cancel.is_set():
                    adapter.stopped = "cancelled"
                    break
                if time.perf_counter() - started > max_seconds:
                    adapter.stopped = f"stopped at the {max_seconds:.0f} s time cap"
                    break
                # warm-up then linear decay: stable on tiny data sets at a high LoRA rate
                scale = min(1.0, (step + 1) / 4) * (1 - step / max(total, 1)) + 0.05
                for group in optimizer.param_groups:
                    group["lr"] = settings.learning_rate * scale
                loss = frozen.loss(index, ids, mask, labels).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(trainable, 1.0)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                adapter.losses.append(float(loss.detach()))
                if on_step is not None:
                    on_step(
                        TrainProgress(
                            step,
                            total,
                            epoch + 1,
                            adapter.losses[-1],
                            time.perf_counter() - started,
                        )
                    )
            if adapter.stopped or step >= total:
                break
        peft_model.eval()
        adapter.steps, adapter.seconds = step, time.perf_counter() - started
        return adapter

    def held_out_loss(
        self, examples: list[Example], adapter: TrainedAdapter | None, max_seq_len: int = 96
    ) -> float:
        """Mean per-token loss on the response tokens of ``examples``."""
        import torch

        settings = TrainSettings(max_seq_len=max_seq_len, batch_size=8)
        total_loss, total_tokens = 0.0, 0
        with self.adapted(adapter) as model, torch.no_grad():
            for ids, mask, labels in make_batches(self.tokenizer, examples, settings, 0):
                logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
                targets = labels[:, 1:]
                losses = torch.nn.functional.cross_entropy(
                    logits.reshape(-1, logits.shape[-1]),
                    targets.reshape(-1),
                    ignore_index=-100,
                    reduction="sum",
                )
                total_loss += float(losses)
                total_tokens += int((targets != -100).sum())
        return total_loss / max(total_tokens, 1)


ADAPTERS = AdapterLedger()  # server-wide count of adapters that sessions hold
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
