"""From scratch vs pretrained: why transfer learning matters when the task has little data.

Both arms see the same training examples in the same batches for the same number of steps, are
measured on the same held-out examples with the same tokenizer (so their losses are in the same
units, nats per answer token), and answer the same prompts greedily:

(a) pretrained: LoRA on the registry's model, exactly as the Fine-tune tab trains it
    (``LoraBench.train``), starting from everything the model learned in pre-training;
(b) from scratch: a freshly initialised model of the same architecture, every weight trained.

Why and how (b) is shrunk: trained in full, the 30-layer, 576-wide SmolLM2 would need a backward
pass through all 135M weights per step, several times the cost of the LoRA arm on 2 CPU cores
(LoRA's backward stops at the top 12 layers and updates 1M numbers). So (b) keeps what makes it the
same kind of model and the same task (model type, tokenizer and its 49,152-token vocabulary, head
size 64, grouped-query attention with 3 query heads per key/value head, SiLU MLP, RMSNorm, rotary
positions, tied input/output embeddings) and shrinks only depth and width: 4 layers instead of 30,
hidden size 192 instead of 576 (3 heads of 64 instead of 9, 1 key/value head instead of 3), MLP
width 512 instead of 1,536 (the same 8/3 ratio). That is about 11M weights, 9.4M of them the
embedding table (which the vocabulary fixes). A step costs about a quarter of a LoRA step (0.46 s
against 1.8 s measured here), so both arms take about 75 s together. Whether a full-size fresh
model would learn more from 80 examples is not measured here (it would not fit the budget); what
the demo shows is what 30 steps of training from nothing give, next to 30 steps that start from
pre-training. (b) gets a learning rate suited to training from scratch (``SCRATCH_LEARNING_RATE``)
rather than LoRA's; everything else is the same settings.

Not here: the optimiser loop (models/finetune/loop.py), drawing the curves (the UI's).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from models.errors import InvalidInputError
from models.finetune.compare import CompareSettings, clean_prompts, sample_reply
from models.finetune.data import Split
from models.finetune.loop import train_loop
from models.finetune.settings import MAX_WALL_SECONDS, TrainedAdapter, TrainProgress, TrainSettings
from models.finetune.training import LoraBench

SCRATCH_LAYERS = 4
SCRATCH_HIDDEN = 192
SCRATCH_LEARNING_RATE = 3e-3  # tried on pirate: held-out 10.9 -> 5.0; 1e-2 ends at 5.7, all commas
SUPPORTED = {"llama", "mistral", "qwen2"}  # configs whose size fields are the ones set below
ANSWER_TOKENS = 40
PRETRAINED, SCRATCH = "pretrained + LoRA", "from scratch"
SHAPE_FIELDS = (
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "num_key_value_heads",
    "intermediate_size",
    "vocab_size",
)
TRANSFER_SETTINGS = TrainSettings()  # the declared defaults: 30 steps on the pirate set


@dataclass
class Arm:
    """One side of the comparison: its run (curves, timings) and its answers."""

    label: str
    run: TrainedAdapter
    answers: list[str]
    trained_weights: int  # how many numbers training changed
    total_weights: int


@dataclass
class TransferResult:
    prompts: list[str]
    expected: list[str]  # the held-out answers, when the prompts are held-out ones
    pretrained: Arm
    scratch: Arm
    scratch_shape: dict[str, int]  # layers, hidden size, heads, ... of the fresh model
    seconds: float
    notes: list[str] = field(default_factory=list)


def scratch_config(base: Any, layers: int = SCRATCH_LAYERS, hidden: int = SCRATCH_HIDDEN) -> Any:
    """The base model's config, shrunk in depth and width only (see the module docstring)."""
    if getattr(base, "model_type", "") not in SUPPORTED:
        raise InvalidInputError(
            f"From-scratch training knows Llama-style models ({', '.join(sorted(SUPPORTED))}); "
            f"this one is {getattr(base, 'model_type', 'unknown')}."
        )
    head_dim = getattr(base, "head_dim", None) or base.hidden_size // base.num_attention_heads
    group = base.num_attention_heads // base.num_key_value_heads  # query heads per kv head
    heads = max(group, min(base.hidden_size, hidden) // head_dim // group * group)
    config = copy.deepcopy(base)
    config.num_hidden_layers = min(layers, base.num_hidden_layers)
    config.num_attention_heads = heads
    config.num_key_value_heads = heads // group
    config.hidden_size = heads * head_dim
    config.head_dim = head_dim
    config.intermediate_size = round(base.intermediate_size * config.hidden_size / base.hidden_size)
    if getattr(config, "layer_types", None):
        config.layer_types = config.layer_types[: config.num_hidden_layers]
    return config


def shape_of(config: Any) -> dict[str, int]:
    return {name: int(getattr(config, name)) for name in SHAPE_FIELDS}


def fresh_model(base_config: Any, seed: int) -> Any:
    """A newly initialised (seeded) model of the shrunk architecture, in training precision."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(scratch_config(base_config), dtype=torch.float32)


def count(model: Any, trainable: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable)


def transfer_demo(
    bench: LoraBench,
    split: Split,
    settings: TrainSettings = TRANSFER_SETTINGS,
    prompts: list[str] | None = None,
    on_step: Callable[[str, TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
    max_seconds: float = MAX_WALL_SECONDS,
) -> TransferResult:
    """Train both arms on ``split.train`` (held-out curves on ``split.held_out``), then answer
    ``prompts`` (default: the first 4 held-out prompts) greedily with each. ``on_step`` gets the
    arm's label with each step's progress; ``cancel`` stops the arm under way and skips the rest.
    ``max_seconds`` caps both arms together."""
    import torch

    settings = replace(settings, early_stop=False).validated()  # same steps for both
    held = split.held_out[:4]
    asked = clean_prompts(prompts) if prompts else [e.prompt or e.response[:60] for e in held]
    expected = [e.response for e in held] if not prompts else [""] * len(asked)
    started = time.perf_counter()

    def arm_steps(label: str) -> Callable[[TrainProgress], None] | None:
        return None if on_step is None else (lambda progress: on_step(label, progress))

    lora = bench.train(
        split.train, settings, arm_steps(PRETRAINED), cancel, max_seconds, held_out=split.held_out
    )
    greedy = CompareSettings(max_new_tokens=ANSWER_TOKENS, temperature=0.0, seed=settings.seed)
    with bench.adapted(lora) as tuned:
        lora_answers = [sample_reply(tuned, bench.tokenizer, p, greedy) for p in asked]
        lora_trained = sum(t.numel() for t in lora.state_dict.values())
        base_total = count(tuned) - lora_trained
    pretrained = Arm(PRETRAINED, lora, lora_answers, lora_trained, base_total + lora_trained)

    model = fresh_model(bench.model.config, settings.seed)
    left = max(0.0, max_seconds - (time.perf_counter() - started))
    scratch_settings = replace(settings, learning_rate=SCRATCH_LEARNING_RATE)
    run = train_loop(
        model,
        bench.tokenizer,
        split.train,
        scratch_settings,
        weights=model.state_dict,
        held_out=split.held_out,
        on_step=arm_steps(SCRATCH),
        cancel=cancel,
        max_seconds=left,
    )
    run.base_model, run.config = "", shape_of(model.config)
    model.load_state_dict(run.state_dict)  # the kept (best held-out) step, as for the LoRA arm
    run.state_dict = {}  # the answers are what the result keeps, not 44 MB of fresh weights
    with torch.no_grad():
        scratch_answers = [sample_reply(model.eval(), bench.tokenizer, p, greedy) for p in asked]
    scratch = Arm(SCRATCH, run, scratch_answers, count(model, trainable=True), count(model))
    notes = [f"{arm.label}: {arm.run.stopped}" for arm in (pretrained, scratch) if arm.run.stopped]
    return TransferResult(
        prompts=asked,
        expected=expected,
        pretrained=pretrained,
        scratch=scratch,
        scratch_shape=shape_of(model.config),
        seconds=time.perf_counter() - started,
        notes=notes,
    )
