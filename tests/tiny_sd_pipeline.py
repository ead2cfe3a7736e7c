"""A tiny, randomly initialised Stable Diffusion pipeline built from configs, fully offline.

It has the real structure (CLIP text encoder and tokenizer, UNet, VAE, scheduler) at toy sizes,
so the hub-pipeline code path (``AutoPipelineForText2Image.from_pretrained`` on a saved folder,
per-call schedulers, step callbacks) runs in well under a second. The tokenizer is a CLIP BPE
tokenizer over single letters (no merges), built in memory: nothing is downloaded.
"""

from __future__ import annotations

import string
from pathlib import Path


def tiny_clip_tokenizer():
    from transformers import CLIPTokenizer

    specials = ["<|startoftext|>", "<|endoftext|>"]
    letters = list(string.ascii_lowercase) + [f"{c}</w>" for c in string.ascii_lowercase]
    vocab = {token: index for index, token in enumerate(specials + letters)}
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=16)


def save_tiny_sd_pipeline(folder: Path, seed: int = 0) -> Path:
    """Build the tiny pipeline with weights seeded by ``seed`` and save it to ``folder``."""
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    tokenizer = tiny_clip_tokenizer()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=37,
            num_hidden_layers=2,
            num_attention_heads=4,
            max_position_embeddings=16,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    )
    unet = UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=2,
        norm_num_groups=4,
    )
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        block_out_channels=(8, 16),
        latent_channels=4,
        norm_num_groups=4,
        sample_size=16,
    )
    scheduler = DDIMScheduler(
        beta_schedule="scaled_linear",
        beta_start=0.00085,
        beta_end=0.012,
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipeline = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder)
    return folder
