"""Model layer of the playground: the registry and one module per capability.

Nothing in this package imports gradio, and nothing loads a model at import time.
"""
