"""Train only the top of the network: run its frozen bottom once per batch, not once per epoch.

LoRA goes on the top ``lora_layers`` decoder layers only (models/finetune/training.py). The layers
below are frozen and get the same input every epoch, so what they output for a batch never changes.
The first time a batch is seen, the full model runs and the hidden state entering the first trained
layer is kept; in later epochs only the trained layers run, fed that hidden state as
``inputs_embeds`` (for a Llama-style model the embedding lookup is the only thing between
``inputs_embeds`` and the first layer, so the result is the same number for number).

With the default 12 of 30 layers trained, epochs 2 and 3 skip 18 of 30 layer forwards. Memory: one
hidden state per batch, at most 300 examples x 256 tokens x 576 floats (about 180 MB) for the
default model at the hard caps, about 20 MB at the defaults, freed after the run.

Models of another architecture (or with every layer trained) simply run in full each time. The same
cache serves the live held-out evaluation (models/finetune/evaluation.py): held-out batches never
change either, so their frozen-layer output is kept the same way, under keys of their own.

Not here: the optimiser loop and the LoRA set-up (models/finetune/training.py).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import torch

SUPPORTED = {"llama", "mistral", "qwen2", "qwen3"}  # decoder stacks at ``model.model.layers``


class FrozenPrefixCache:
    """Computes the training loss of batch ``key``, reusing its frozen-layer output if seen.
    ``peft_model`` may also be a plain model (trained in full: nothing is frozen, nothing kept)."""

    def __init__(self, peft_model: Any, first_trained_layer: int, enabled: bool = True) -> None:
        self.model = peft_model
        get_base = getattr(peft_model, "get_base_model", None)
        base = get_base() if get_base is not None else peft_model
        self.stack = getattr(base, "model", None)  # e.g. LlamaModel, holding ``layers``
        self.layers = getattr(self.stack, "layers", None)
        self.first = first_trained_layer
        self.enabled = (
            enabled
            and first_trained_layer > 0
            and getattr(base.config, "model_type", "") in SUPPORTED
            and isinstance(self.layers, torch.nn.ModuleList)
            and first_trained_layer < len(self.layers)
        )
        self.hidden: dict[Hashable, torch.Tensor] = {}

    def forward(self, key: Hashable, ids: torch.Tensor, mask: torch.Tensor, **extra: Any) -> Any:
        """The model's output (logits, no loss) for batch ``key``, for held-out evaluation;
        ``extra`` goes to the model (e.g. ``logits_to_keep``)."""
        return self.loss(key, ids, mask, None, **extra)

    def loss(
        self,
        key: Hashable,
        ids: torch.Tensor,
        mask: torch.Tensor,
        labels: torch.Tensor | None,
        **extra: Any,
    ) -> Any:
        extra = {"attention_mask": mask, "labels": labels, "use_cache": False, **extra}
        if not self.enabled:
            return self.model(input_ids=ids, **extra)
        if key in self.hidden:
            return self._top_only(self.hidden[key], extra)
        return self._full_and_keep(key, ids, extra)

    def _full_and_keep(self, key: Hashable, ids: torch.Tensor, extra: dict[str, Any]) -> Any:
        def keep(_module, args, kwargs) -> None:
            hidden = args[0] if args else kwargs["hidden_states"]
            self.hidden[key] = hidden.detach()

        assert self.layers is not None
        hook = self.layers[self.first].register_forward_pre_hook(keep, with_kwargs=True)
        try:
            return self.model(input_ids=ids, **extra)
        finally:
            hook.remove()

    def _top_only(self, hidden: torch.Tensor, extra: dict[str, Any]) -> Any:
        # The stack runs ``self.layers[:num_hidden_layers]``: hand it only the trained layers for
        # this one call. Each layer keeps its own index, so nothing else notices.
        assert self.layers is not None and self.stack is not None
        self.stack.layers = torch.nn.ModuleList(list(self.layers)[self.first :])
        try:
            return self.model(inputs_embeds=hidden, **extra)
        finally:
            self.stack.layers = self.layers
