"""The procedural, captioned image data set our own text-to-image model learns from.

Each image is 32x32 RGB: one object (a cartoon cat face, a circle, a square or a triangle) in one
colour on one background, drawn with PIL at 4x and downsampled so edges are smooth. Captions name
the three attributes in several phrasings and with synonyms, so prompts worded differently still
map to the same picture. A few shape/colour pairs never appear in training (``HELD_OUT_PAIRS``):
the demo and the eval ask for them to show the model combining attributes it learned separately.

This module draws and captions; it is not a model and never imports torch or gradio.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

SIZE = 32  # pixels per side of every training image
_SCALE = 4  # draw at 4x, then downsample: anti-aliased edges the model can learn

SHAPES = ("cat", "circle", "square", "triangle")
COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 225),
    "yellow": (245, 205, 30),
}
BACKGROUNDS = {"white": (245, 245, 240), "black": (22, 22, 28), "grey": (128, 128, 132)}

# Shape/colour pairs that never appear in training (on any background): each shape misses one
# colour and each colour misses one shape, so every attribute is still seen, just not together.
HELD_OUT_PAIRS = frozenset(
    {("cat", "green"), ("circle", "blue"), ("square", "yellow"), ("triangle", "red")}
)

# Words a prompt may use for each attribute value; the first is the canonical one.
SHAPE_WORDS = {
    "cat": ("cat", "kitten", "cat face", "kitty"),
    "circle": ("circle", "disc", "round dot", "ball"),
    "square": ("square", "box", "block", "tile"),
    "triangle": ("triangle", "pyramid", "wedge", "triangle shape"),
}
BACKGROUND_WORDS = {
    "white": ("white", "light", "bright white"),
    "black": ("black", "dark", "night black"),
    "grey": ("grey", "gray", "ash grey"),
}
TRAIN_TEMPLATES = (
    "a {colour} {shape} on a {background} background",
    "{colour} {shape}, {background} background",
    "a picture of a {colour} {shape} against {background}",
    "{background} background with a {colour} {shape}",
    "a {colour} {shape}",  # background left to the model
    "a {shape} on {background}",  # colour left to the model
    "the {shape} is {colour} and the background is {background}",
    "drawing of a {colour} {shape} on {background}",
)
# Phrasings kept out of training: the eval prompts with these to test paraphrases too.
EVAL_TEMPLATES = (
    "an image of a {colour} {shape} over a {background} backdrop",
    "{colour} {shape} with a {background} backdrop behind it",
)


@dataclass(frozen=True)
class Attributes:
    shape: str
    colour: str
    background: str

    @property
    def held_out(self) -> bool:
        return (self.shape, self.colour) in HELD_OUT_PAIRS


def all_attributes() -> list[Attributes]:
    return [Attributes(*combo) for combo in itertools.product(SHAPES, COLOURS, BACKGROUNDS)]


def training_attributes() -> list[Attributes]:
    return [a for a in all_attributes() if not a.held_out]


def draw(attrs: Attributes, rng: random.Random) -> Image.Image:
    """One 32x32 image of ``attrs`` with a little random size, position and colour jitter."""
    big = SIZE * _SCALE
    background = _jitter(BACKGROUNDS[attrs.background], rng, 6)
    colour = _jitter(COLOURS[attrs.colour], rng, 14)
    image = Image.new("RGB", (big, big), background)
    pen = ImageDraw.Draw(image)
    radius = rng.uniform(0.27, 0.34) * big  # half the object's width
    cx = big / 2 + rng.uniform(-0.07, 0.07) * big
    cy = big / 2 + rng.uniform(-0.07, 0.07) * big
    if attrs.shape == "circle":
        pen.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=colour)
    elif attrs.shape == "square":
        side = radius * 0.9
        pen.rectangle((cx - side, cy - side, cx + side, cy + side), fill=colour)
    elif attrs.shape == "triangle":
        top, bottom = cy - radius * 1.05, cy + radius * 0.85
        pen.polygon([(cx, top), (cx - radius * 1.1, bottom), (cx + radius * 1.1, bottom)], colour)
    elif attrs.shape == "cat":
        _draw_cat(pen, cx, cy + radius * 0.15, radius * 0.85, colour)
    else:
        raise ValueError(f"unknown shape {attrs.shape!r}")
    return image.resize((SIZE, SIZE), Image.Resampling.BOX)


def _draw_cat(pen: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fur: tuple) -> None:
    """A cartoon cat face: round head, two pointed ears, dark eyes and a pink nose."""
    for side in (-1, 1):
        ear_outer = (cx + side * r * 1.0, cy - r * 0.35)
        ear_tip = (cx + side * r * 0.8, cy - r * 1.45)
        ear_inner = (cx + side * r * 0.15, cy - r * 0.85)
        pen.polygon([ear_outer, ear_tip, ear_inner], fill=fur)
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fur)
    eye = r * 0.17
    for side in (-1, 1):
        ex, ey = cx + side * r * 0.4, cy - r * 0.15
        pen.ellipse((ex - eye, ey - eye, ex + eye, ey + eye), fill=(15, 15, 15))
    nose = r * 0.12
    pen.polygon([(cx - nose, cy + r * 0.2), (cx + nose, cy + r * 0.2), (cx, cy + r * 0.35)],
                fill=(250, 150, 170))  # fmt: skip


def _jitter(rgb: tuple[int, int, int], rng: random.Random, amount: int) -> tuple[int, int, int]:
    return tuple(int(min(255, max(0, c + rng.randint(-amount, amount)))) for c in rgb)  # type: ignore[return-value]


def caption(
    attrs: Attributes, rng: random.Random, templates: tuple[str, ...] = TRAIN_TEMPLATES
) -> str:
    """A caption for ``attrs`` in a random phrasing with random synonyms."""
    return rng.choice(templates).format(
        colour=attrs.colour,
        shape=rng.choice(SHAPE_WORDS[attrs.shape]),
        background=rng.choice(BACKGROUND_WORDS[attrs.background]),
    )


def canonical_prompt(attrs: Attributes) -> str:
    return f"a {attrs.colour} {attrs.shape} on a {attrs.background} background"


def make_dataset(count: int, seed: int = 0) -> tuple[np.ndarray, list[str], list[Attributes]]:
    """``count`` training images (uint8, N x 32 x 32 x 3), their captions and attributes.

    Only training combinations appear; the same seed always gives the same data set.
    """
    rng = random.Random(seed)
    combos = training_attributes()
    images = np.empty((count, SIZE, SIZE, 3), dtype=np.uint8)
    captions, attributes = [], []
    for i in range(count):
        attrs = combos[i % len(combos)]  # balanced: every combination equally often
        images[i] = np.asarray(draw(attrs, rng))
        captions.append(caption(attrs, rng))
        attributes.append(attrs)
    return images, captions, attributes


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def training_vocabulary() -> frozenset[str]:
    """Every word any training caption can contain (templates, synonyms, colours)."""
    words = {w for template in TRAIN_TEMPLATES for w in _words(template.format(
        colour="", shape="", background=""))}  # fmt: skip
    for phrases in (*SHAPE_WORDS.values(), *BACKGROUND_WORDS.values(), tuple(COLOURS)):
        words.update(w for phrase in phrases for w in _words(phrase))
    return frozenset(words)


def unseen_words(prompt: str) -> list[str]:
    """The words of ``prompt`` that no training caption contains, in order, once each: the
    model has no idea what they mean (it still draws something, from the words it knows)."""
    known = training_vocabulary()
    return list(dict.fromkeys(w for w in _words(prompt) if w not in known))
