"""An independent checker for our image model: a small CNN that names the shape, colour and
background of a 32x32 image.

It is trained only on *real* drawn images (models/image/data.py), all 48 attribute combinations,
never on generated ones, so it judges the generator from the outside: the eval script
(scripts/eval_image_model.py) counts how often its reading of a generated image agrees with the
prompt. Weights are cached next to the model as ``checker.safetensors``.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

from models.image.data import BACKGROUNDS, COLOURS, SHAPES, Attributes, all_attributes, draw

CHECKER_FILE = "checker.safetensors"
HEADS = {"shape": list(SHAPES), "colour": list(COLOURS), "background": list(BACKGROUNDS)}


def build_checker() -> Any:
    import torch.nn as nn

    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(64 * 4 * 4, 64), nn.ReLU(),  # keeps where things are: ears sit above a head
        nn.Linear(64, sum(len(v) for v in HEADS.values())),
    )  # fmt: skip


def to_tensor(images: list[np.ndarray] | np.ndarray) -> Any:
    import torch

    array = np.stack(list(images)).astype(np.float32) / 127.5 - 1.0
    return torch.from_numpy(array).permute(0, 3, 1, 2)


def _labels(attributes: list[Attributes]) -> Any:
    import torch

    return torch.tensor(
        [[HEADS[k].index(getattr(a, k)) for k in HEADS] for a in attributes], dtype=torch.long
    )


def real_images(per_combo: int, seed: int) -> tuple[list[np.ndarray], list[Attributes]]:
    rng = random.Random(seed)
    attributes = [a for a in all_attributes() for _ in range(per_combo)]
    return [np.asarray(draw(a, rng)) for a in attributes], attributes


def train_checker(seed: int = 1, per_combo: int = 150, epochs: int = 8) -> Any:
    """Train on freshly drawn real images of all combinations (different seed from the model)."""
    import torch

    torch.manual_seed(seed)
    images, attributes = real_images(per_combo, seed)
    x, y = to_tensor(images), _labels(attributes)
    model = build_checker()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for start in range(0, len(x), 64):
            batch = order[start : start + 64]
            loss = _loss(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def _loss(logits: Any, labels: Any) -> Any:
    import torch.nn.functional as F

    total, start = 0, 0
    for column, values in enumerate(HEADS.values()):
        total = total + F.cross_entropy(logits[:, start : start + len(values)], labels[:, column])
        start += len(values)
    return total


def predict(model: Any, images: list[np.ndarray]) -> list[Attributes]:
    """The checker's reading of each uint8 32x32x3 image."""
    import torch

    with torch.inference_mode():
        logits = model(to_tensor(images))
    columns, start = [], 0
    for values in HEADS.values():
        picks = logits[:, start : start + len(values)].argmax(1).tolist()
        columns.append([values[i] for i in picks])
        start += len(values)
    return [Attributes(*row) for row in zip(*columns, strict=True)]


def load_or_train_checker(folder: Path) -> Any:
    from safetensors.torch import load_file, save_file

    path = folder / CHECKER_FILE
    model = build_checker()
    if path.is_file():
        model.load_state_dict(load_file(str(path)))
        return model.eval()
    model = train_checker()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return model
