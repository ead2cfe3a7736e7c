"""Fine-tuning a language model with LoRA: data, training, held-out evaluation, export, import."""
