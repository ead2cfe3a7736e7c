"""Our own small text-to-image model: its architecture, its prompt encoding, saving and loading.

The model is a diffusers ``UNet2DConditionModel`` (about 1.2M parameters, 32x32 RGB) that predicts
the noise in an image. The prompt reaches it two ways, both from the registry's sentence embedder
(all-MiniLM-L6-v2), so paraphrases land close to the captions it was trained on:
- the pooled, normalised sentence embedding is added to the timestep embedding (every ResNet
  block sees it: cheap, and enough for global attributes like the background colour);
- the per-token embeddings feed cross-attention at 8x8 (which word says what about the object).

The empty prompt "" is the unconditional input used by classifier-free guidance (training drops
10% of captions to it). Sampling lives in models/image/diffusion.py, training in
scripts/train_image_model.py; this module only defines and stores the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

ASSET_DIR = Path(__file__).resolve().parents[2] / "assets" / "image_model"
WEIGHTS_FILE = "unet.safetensors"
CONFIG_FILE = "config.json"
MAX_TOKENS = 24  # prompts are cut here; training captions are at most ~15 tokens
TEXT_DIM = 384  # all-MiniLM-L6-v2's hidden size

UNET_CONFIG: dict[str, Any] = {
    "sample_size": 32,
    "in_channels": 3,
    "out_channels": 3,
    "layers_per_block": 1,
    "block_out_channels": [16, 32, 64],
    # Cross-attention only at the 8x8 level: attention at 16x16 doubled the training cost for
    # no visible gain on these flat-colour images.
    "down_block_types": ["DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D", "UpBlock2D"],
    "cross_attention_dim": TEXT_DIM,
    "attention_head_dim": 4,
    "norm_num_groups": 8,
    "class_embed_type": "projection",
    "projection_class_embeddings_input_dim": TEXT_DIM,
}
SCHEDULER_CONFIG: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "prediction_type": "v_prediction",
    "clip_sample": True,
    "clip_sample_range": 1.0,
}


@dataclass(frozen=True)
class PromptEmbedding:
    """A batch of encoded prompts, in the form the UNet takes them."""

    tokens: torch.Tensor  # (batch, tokens, 384): cross-attention context
    mask: torch.Tensor  # (batch, tokens): 1 for real tokens, 0 for padding
    pooled: torch.Tensor  # (batch, 384): goes in as the "class" embedding

    def repeat(self, count: int) -> PromptEmbedding:
        return PromptEmbedding(
            self.tokens.repeat(count, 1, 1),
            self.mask.repeat(count, 1),
            self.pooled.repeat(count, 1),
        )

    @staticmethod
    def cat(parts: list[PromptEmbedding]) -> PromptEmbedding:
        import torch

        width = max(p.tokens.shape[1] for p in parts)
        padded = [_pad(p, width) for p in parts]
        return PromptEmbedding(
            torch.cat([p.tokens for p in padded]),
            torch.cat([p.mask for p in padded]),
            torch.cat([p.pooled for p in padded]),
        )


def _pad(embedding: PromptEmbedding, width: int) -> PromptEmbedding:
    import torch.nn.functional as F

    extra = width - embedding.tokens.shape[1]
    if extra == 0:
        return embedding
    return PromptEmbedding(
        F.pad(embedding.tokens, (0, 0, 0, extra)),
        F.pad(embedding.mask, (0, extra)),
        embedding.pooled,
    )


def encode_prompts(embedder: Any, prompts: list[str], pad_to: int | None = None) -> PromptEmbedding:
    """Token and pooled embeddings of ``prompts`` from a SentenceTransformer (MiniLM).

    Runs the embedder's own modules (transformer, mean pooling, normalisation), so the pooled
    vector is exactly what ``embedder.encode`` returns.
    """
    import torch
    import torch.nn.functional as F

    features = embedder.preprocess(prompts)
    features = {  # tensors cut to MAX_TOKENS; other entries (e.g. "modality") kept as they are
        k: v[:, :MAX_TOKENS].to(embedder.device) if isinstance(v, torch.Tensor) else v
        for k, v in features.items()
    }
    with torch.inference_mode():
        out = embedder.forward(dict(features))
    tokens = out["token_embeddings"].float().cpu().clone()
    mask = features["attention_mask"].float().cpu().clone()
    pooled = out["sentence_embedding"].float().cpu().clone()
    if pad_to is not None and tokens.shape[1] < pad_to:
        tokens = F.pad(tokens, (0, 0, 0, pad_to - tokens.shape[1]))
        mask = F.pad(mask, (0, pad_to - mask.shape[1]))
    return PromptEmbedding(tokens * mask[..., None], mask, pooled)


def build_unet() -> Any:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(**UNET_CONFIG)


def unet_forward(unet: Any, sample: torch.Tensor, timestep: Any, cond: PromptEmbedding):
    """The noise the UNet predicts for ``sample`` at ``timestep`` given prompts ``cond``."""
    return unet(
        sample,
        timestep,
        encoder_hidden_states=cond.tokens,
        encoder_attention_mask=cond.mask,
        class_labels=cond.pooled,
    ).sample


def save_unet(unet: Any, folder: Path, extra: dict[str, Any] | None = None) -> None:
    """Weights as safetensors plus a JSON with both configs (and training facts, if given)."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in unet.state_dict().items()}
    save_file(state, str(folder / WEIGHTS_FILE))
    meta = {"unet": UNET_CONFIG, "scheduler": SCHEDULER_CONFIG, **(extra or {})}
    (folder / CONFIG_FILE).write_text(json.dumps(meta, indent=2) + "\n")


def load_unet(folder: Path) -> tuple[Any, dict[str, Any]]:
    """The UNet stored in ``folder`` (eval mode, float32) and its saved metadata."""
    from diffusers import UNet2DConditionModel
    from safetensors.torch import load_file

    meta = json.loads((folder / CONFIG_FILE).read_text())
    unet = UNet2DConditionModel(**meta["unet"])
    unet.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
    unet.eval().requires_grad_(False)
    return unet, meta
