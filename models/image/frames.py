"""Turning generated pixels into things people look at: upscaled images, grids, animated GIFs.

32x32 images are upscaled with nearest-neighbour (crisp pixels a projector audience can see);
larger hub images are left as they are. Pure PIL/numpy: no torch, no gradio.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

DISPLAY_SIZE = 256  # side, in pixels, that small images are blown up to


def upscale(image: np.ndarray, size: int = DISPLAY_SIZE) -> Image.Image:
    """``image`` (uint8 H x W x 3) as a PIL image at least ``size`` pixels wide."""
    picture = Image.fromarray(image)
    if picture.width >= size:
        return picture
    factor = math.ceil(size / picture.width)
    return picture.resize(
        (picture.width * factor, picture.height * factor), Image.Resampling.NEAREST
    )


def grid(images: Sequence[np.ndarray], columns: int | None = None, gap: int = 4) -> Image.Image:
    """Upscaled images in a grid (about square unless ``columns`` is given), white gaps between."""
    tiles = [upscale(image) for image in images]
    columns = columns or math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / columns)
    width, height = tiles[0].size
    sheet = Image.new("RGB", (columns * (width + gap) - gap, rows * (height + gap) - gap), "white")
    for index, tile in enumerate(tiles):
        sheet.paste(tile, ((index % columns) * (width + gap), (index // columns) * (height + gap)))
    return sheet


def frame_pair(noisy: np.ndarray, clean: np.ndarray | None, label: str) -> Image.Image:
    """One denoising step as one picture: the noisy image, the predicted clean one, a caption."""
    tiles = [upscale(noisy)] + ([upscale(clean)] if clean is not None else [])
    width, height = tiles[0].size
    band = 28
    sheet = Image.new("RGB", (len(tiles) * width + (len(tiles) - 1) * 8, height + band), "white")
    for index, tile in enumerate(tiles):
        sheet.paste(tile, (index * (width + 8), band))
    pen = ImageDraw.Draw(sheet)
    pen.text((6, 6), label, fill=(20, 20, 20), font_size=16)
    return sheet


def animated_gif(pictures: Sequence[Image.Image], seconds_per_frame: float = 0.12) -> bytes:
    """The pictures as a looping GIF (the last one held for a second)."""
    if not pictures:
        raise ValueError("no frames to animate")
    durations = [int(seconds_per_frame * 1000)] * len(pictures)
    durations[-1] = 1000
    buffer = io.BytesIO()
    first, *rest = [p.convert("P", palette=Image.Palette.ADAPTIVE, colors=255) for p in pictures]
    first.save(buffer, format="GIF", save_all=True, append_images=rest, duration=durations, loop=0)
    return buffer.getvalue()
