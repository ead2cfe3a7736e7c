"""Measure our image model with an independent checker, and draw a sample grid.

    .venv/bin/python scripts/eval_image_model.py   # prints figures; writes eval.json, samples.png

For every one of the 48 shape/colour/background combinations (12 of them never seen in training),
the model is prompted in two phrasings it was never trained on ("an image of a red cat over a
white backdrop", ...), with two seeds each. A small CNN trained only on real drawn images
(models/image/checker.py) reads each generated image; a sample counts as right when the checker
agrees with the prompt on all three attributes. Figures are split into seen and held-out
combinations.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from models.builtin import default_registry  # noqa: E402
from models.image import checker as image_checker  # noqa: E402
from models.image.catalog import OWN_MODEL  # noqa: E402
from models.image.data import EVAL_TEMPLATES, all_attributes  # noqa: E402
from models.image.diffusion import generate  # noqa: E402
from models.image.request import ImageRequest  # noqa: E402
from models.image.tiny_model import ASSET_DIR  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    tab = ImageRequest()  # the Image tab's defaults, declared in models/image/request.py
    parser.add_argument("--steps", type=int, default=tab.steps)
    parser.add_argument("--guidance", type=float, default=tab.guidance)
    parser.add_argument("--scheduler", default=tab.scheduler)
    parser.add_argument("--seeds", type=int, default=2, help="samples per prompt")
    parser.add_argument("--out", type=Path, default=ASSET_DIR)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import torch

    torch.set_num_threads(1)
    started = time.perf_counter()
    checker = image_checker.load_or_train_checker(args.out)
    real, real_attrs = image_checker.real_images(per_combo=10, seed=99)
    real_ok = np.mean(
        [p == a for p, a in zip(image_checker.predict(checker, real), real_attrs, strict=True)]
    )
    print(
        f"checker on real drawn images (unseen seed): {real_ok:.1%} all-three correct", flush=True
    )

    model = default_registry({}).load(OWN_MODEL, kind="text-to-image")
    rows = []
    grid_tiles: dict = {}
    for attrs in all_attributes():
        for template in EVAL_TEMPLATES:
            prompt = template.format(
                colour=attrs.colour, shape=attrs.shape, background=attrs.background
            )
            request = ImageRequest.checked(
                prompt=prompt,
                negative_prompt="",
                steps=args.steps,
                guidance=args.guidance,
                seed=0,
                scheduler=args.scheduler,
                batch=args.seeds,
            )
            images = generate(model, request).images
            grid_tiles.setdefault(attrs, images[0])
            for seed, read in enumerate(image_checker.predict(checker, images)):
                rows.append({
                    "prompt": prompt, "seed": seed, "held_out_combination": attrs.held_out,
                    "shape": read.shape == attrs.shape, "colour": read.colour == attrs.colour,
                    "background": read.background == attrs.background,
                })  # fmt: skip
    report = {"settings": vars(args) | {"out": str(args.out)}, "checker_on_real_images": real_ok}
    groups = {
        "all": rows,
        "seen_combinations": [r for r in rows if not r["held_out_combination"]],
        "held_out_combinations": [r for r in rows if r["held_out_combination"]],
    }
    for group, chosen in groups.items():
        figures = {
            k: float(np.mean([r[k] for r in chosen])) for k in ("shape", "colour", "background")
        }
        figures["all_three"] = float(
            np.mean([r["shape"] and r["colour"] and r["background"] for r in chosen])
        )
        figures["samples"] = len(chosen)
        report[group] = figures
        print(f"{group:>22}: " + ", ".join(f"{k} {v:.1%}" if k != "samples" else f"{v} samples"
                                           for k, v in figures.items()), flush=True)  # fmt: skip
    report["seconds"] = round(time.perf_counter() - started, 1)
    (args.out / "eval.json").write_text(json.dumps(report, indent=2) + "\n")
    sample_grid(grid_tiles).save(args.out / "samples.png")
    print(f"wrote {args.out / 'eval.json'} and {args.out / 'samples.png'} in {report['seconds']} s")


def sample_grid(tiles: dict) -> Image.Image:
    """One generated sample per combination: rows are shapes, columns colour x background;
    held-out combinations get an orange frame."""
    size, gap = 96, 6
    attrs = list(tiles)
    columns = 12
    rows = (len(attrs) + columns - 1) // columns
    sheet = Image.new(
        "RGB", (columns * (size + gap) + gap, rows * (size + gap) + gap + 24), "white"
    )
    pen = ImageDraw.Draw(sheet)
    pen.text((gap, 4), "generated by our model; orange frame = combination never seen in training",
             fill=(20, 20, 20), font_size=15)  # fmt: skip
    for index, a in enumerate(attrs):
        x = gap + (index % columns) * (size + gap)
        y = 24 + gap + (index // columns) * (size + gap)
        if a.held_out:
            pen.rectangle((x - 4, y - 4, x + size + 3, y + size + 3), fill=(255, 140, 0))
        sheet.paste(
            Image.fromarray(tiles[a]).resize((size, size), Image.Resampling.NEAREST), (x, y)
        )
    return sheet


if __name__ == "__main__":
    main()
