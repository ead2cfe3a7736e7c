"""The Fine-tune tab: LoRA on a few examples, then the base and fine-tuned model compared."""

from components.finetune.tab import build, new_session_state

__all__ = ["build", "new_session_state"]
