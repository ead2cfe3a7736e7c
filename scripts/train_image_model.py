"""Train the Image tab's own text-to-image model from scratch on procedurally drawn images.

    .venv/bin/python scripts/train_image_model.py            # writes assets/image_model/

One command, offline, deterministic for a given seed and thread count, about 30 minutes on one
CPU core (it uses one thread on purpose: on a shared 2-core machine that is faster and steadier
than two). Steps:
1. draw the data set (models/image/data.py: shapes and cats, some shape/colour pairs held out),
2. encode every distinct caption once with all-MiniLM-L6-v2 (token and pooled embeddings),
3. train the UNet to predict "velocity" v (v-prediction, cosine noise schedule), dropping 10% of
   captions to "" so classifier-free guidance works, keeping an exponential moving average,
4. save the EMA weights as safetensors every ``--save-every`` steps and at the end.

This is a script, not a library: the app never imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from models.builtin import MINILM, default_registry  # noqa: E402
from models.image import data as image_data  # noqa: E402
from models.image.tiny_model import (  # noqa: E402
    ASSET_DIR,
    MAX_TOKENS,
    SCHEDULER_CONFIG,
    build_unet,
    encode_prompts,
    save_unet,
)

CAPTION_DROPOUT = 0.1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1.5e-3)
    parser.add_argument("--images", type=int, default=18000, help="size of the drawn data set")
    parser.add_argument("--ema", type=float, default=0.995)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save-every", type=int, default=100)
    parser.add_argument("--max-minutes", type=float, default=45.0, help="stop (and save) here")
    parser.add_argument("--out", type=Path, default=ASSET_DIR)
    return parser.parse_args()


def caption_bank(seed: int) -> tuple[list[str], dict[image_data.Attributes, list[int]]]:
    """Every distinct training caption, and for each training combination the captions of it."""
    rng = random.Random(seed)
    captions: list[str] = []
    index: dict[str, int] = {}
    by_combo: dict[image_data.Attributes, list[int]] = {}
    for attrs in image_data.training_attributes():
        # Enough random draws to cover the phrasings and synonyms of this combination.
        texts = sorted({image_data.caption(attrs, rng) for _ in range(200)})
        for text in texts:
            if text not in index:
                index[text] = len(captions)
                captions.append(text)
        by_combo[attrs] = [index[t] for t in texts]
    return captions, by_combo


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    log = print

    images, _, attributes = image_data.make_dataset(args.images, seed=args.seed)
    pixels = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    captions, by_combo = caption_bank(args.seed)
    embedder = default_registry({}).load(MINILM, kind="sentence-embedder")
    encoded = [encode_prompts(embedder, captions[i : i + 256], pad_to=MAX_TOKENS)
               for i in range(0, len(captions), 256)]  # fmt: skip
    tokens = torch.cat([e.tokens for e in encoded])
    masks = torch.cat([e.mask for e in encoded])
    pooled = torch.cat([e.pooled for e in encoded])
    null = encode_prompts(embedder, [""], pad_to=MAX_TOKENS)
    log(f"data: {len(images)} images, {len(captions)} captions, "
        f"{time.perf_counter() - started:.0f}s", flush=True)  # fmt: skip

    from diffusers import DDPMScheduler

    scheduler = DDPMScheduler(**SCHEDULER_CONFIG)
    alphas = scheduler.alphas_cumprod
    unet = build_unet().train()
    ema = build_unet().eval().requires_grad_(False)
    ema.load_state_dict(unet.state_dict())
    optimizer = torch.optim.AdamW(unet.parameters(), lr=args.lr, weight_decay=0.0)
    warmup = 100

    def lr_at(step: int) -> float:  # linear warm-up, then cosine decay to 5%
        if step < warmup:
            return args.lr * (step + 1) / warmup
        progress = (step - warmup) / max(1, args.steps - warmup)
        return args.lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * progress)))

    facts = {
        "training": {
            "steps": args.steps,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "images": args.images,
            "ema": args.ema,
            "seed": args.seed,
            "threads": args.threads,
            "caption_dropout": CAPTION_DROPOUT,
        }
    }
    ema_loss = None
    step = 0
    for step in range(1, args.steps + 1):
        batch = [rng.randrange(len(images)) for _ in range(args.batch_size)]
        caption_ids = [rng.choice(by_combo[attributes[i]]) for i in batch]
        drop = torch.tensor([rng.random() < CAPTION_DROPOUT for _ in batch])
        cond_tokens = torch.where(drop[:, None, None], null.tokens, tokens[caption_ids])
        cond_mask = torch.where(drop[:, None], null.mask, masks[caption_ids])
        cond_pooled = torch.where(drop[:, None], null.pooled, pooled[caption_ids])
        clean = pixels[batch]
        noise = torch.randn_like(clean)
        t = torch.randint(0, scheduler.config.num_train_timesteps, (len(batch),))
        a = alphas[t].view(-1, 1, 1, 1)
        noisy = a.sqrt() * clean + (1 - a).sqrt() * noise
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step - 1)
        predicted = unet(
            noisy, t, encoder_hidden_states=cond_tokens, encoder_attention_mask=cond_mask,
            class_labels=cond_pooled,
        ).sample  # fmt: skip
        # v-prediction (v = sqrt(a) * noise - sqrt(1 - a) * clean): near pure noise the target is
        # the clean image itself, so the model learns the background colour there. An
        # epsilon-predicting first run drew the right shapes on muddy, average backgrounds.
        target = scheduler.get_velocity(clean, noise, t)
        loss = torch.nn.functional.mse_loss(predicted, target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        optimizer.step()
        with torch.no_grad():  # EMA warms up: early steps follow the raw weights closely
            decay = min(args.ema, (1 + step) / (10 + step))
            for e, p in zip(ema.parameters(), unet.parameters(), strict=True):
                e.lerp_(p, 1 - decay)
        ema_loss = loss.item() if ema_loss is None else 0.98 * ema_loss + 0.02 * loss.item()
        minutes = (time.perf_counter() - started) / 60
        if step % 25 == 0:
            log(f"step {step}/{args.steps} loss {ema_loss:.4f} lr {lr_at(step - 1):.2e} "
                f"{minutes:.1f} min", flush=True)  # fmt: skip
        out_of_time = minutes > args.max_minutes
        if step % args.save_every == 0 or step == args.steps or out_of_time:
            facts["training"].update(steps_done=step, minutes=round(minutes, 1),
                                     final_loss=round(ema_loss, 4))  # fmt: skip
            save_unet(ema, args.out, facts)
            log(f"saved EMA weights at step {step} to {args.out}", flush=True)
        if out_of_time:
            log(f"stopping at step {step}: over --max-minutes {args.max_minutes}", flush=True)
            break
    print(json.dumps(facts["training"]), flush=True)


if __name__ == "__main__":
    main()
