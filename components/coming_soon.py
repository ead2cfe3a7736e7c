"""A plain notice for a tab whose feature is not built yet: it says so and shows nothing fake."""

from __future__ import annotations

import gradio as gr


def build(issue: int, concept: str, plan: str) -> None:
    gr.Markdown(
        f"### Not built yet\n\n"
        f"This tab will show **{concept}**. {plan}\n\n"
        f"It is tracked as issue #{issue}; until that lands, this tab has no controls, "
        f"and nothing here is simulated.",
        elem_classes=["coming-soon"],
    )
