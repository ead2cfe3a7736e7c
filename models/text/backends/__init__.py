"""Text backends: one small interface (base.py) over llama.cpp in-process, any OpenAI-compatible
server and the transformers fp32 model; selection.py picks one from the environment."""
