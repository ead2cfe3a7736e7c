"""Examples as training batches: token ids with the prompt masked out of the loss, similar lengths
batched together, and a seeded order per epoch. Pure tokenization and tensors, no model.
"""

from __future__ import annotations

from typing import Any

from models.errors import InvalidInputError
from models.finetune.data import Example
from models.finetune.settings import TrainSettings


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
    """The batches in length order: the same batches every epoch, only their order changes.
    Examples whose answer is cut off entirely by ``max_seq_len`` are left out; when that leaves
    none, InvalidInputError says how many tokens the prompts need."""
    import torch

    encoded = [encode_example(tokenizer, e, settings.max_seq_len) for e in examples]
    encoded = [pair for pair in encoded if any(label != -100 for label in pair[1])]
    if not encoded:
        raise no_room_error(tokenizer, examples, settings.max_seq_len)
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


def no_room_error(tokenizer: Any, examples: list[Example], max_seq_len: int) -> InvalidInputError:
    """The sentence for a token limit that leaves no example any answer token to learn from."""
    if not examples:
        return InvalidInputError("There are no examples: upload or pick a data set.")
    prompts = [encode_example(tokenizer, e, 10_000)[1].count(-100) for e in examples]
    return InvalidInputError(
        f"At {max_seq_len} tokens per example nothing is left to learn: the prompt and its chat "
        f"template alone take {min(prompts)} tokens or more. Raise max tokens per example "
        f"(max_seq_len) to at least {min(prompts) + 8}."
    )
