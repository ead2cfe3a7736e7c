"""The playground's tabs, in page order, in one table: each tab's id (what a link names,
``?tab=attention``), its name (the English label on the tab; components/i18n.py translates it)
and the function that builds its contents. app.py draws the tabs from it, the deep links
(components/deep_links.py) take ``TAB_IDS`` from it and the lesson bar (components/lessons)
``TAB_NAMES``.

What a tab's build returns, and the class that marks its expert-only controls, are in
components/tab_contract.py: every tab module imports that, and this table imports every tab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from components import (
    attention,
    embeddings,
    finetune,
    image,
    models_panel,
    start_here,
    text,
    tokens,
)
from components.tab_contract import BuiltTab
from models.registry import Registry


@dataclass(frozen=True)
class TabContext:
    """What the tabs are built with: the models, this session's fine-tuned adapter (the
    Fine-tune tab makes it, the Text tab writes with it) and the tabs (to switch between them)."""

    registry: Registry
    tuned: gr.State
    tabs: gr.Tabs


@dataclass(frozen=True)
class Tab:
    id: str
    name: str
    build: Callable[[TabContext], BuiltTab]


TABS = (
    Tab("start", "Start here", lambda page: start_here.build(page.tabs)),
    Tab("text", "Text", lambda page: text.build(page.registry, page.tuned)),
    Tab("image", "Image", lambda page: image.build(page.registry)),
    Tab("tokens", "Tokens", lambda page: tokens.build(page.registry)),
    Tab("embeddings", "Embeddings", lambda page: embeddings.build(page.registry)),
    Tab("attention", "Attention", lambda page: attention.build(page.registry)),
    Tab("finetune", "Fine-tune", lambda page: finetune.build(page.registry, page.tuned)),
    Tab("models", "Models", lambda page: models_panel.build(page.registry)),
)
TAB_IDS = tuple(tab.id for tab in TABS)
TAB_NAMES = {tab.id: tab.name for tab in TABS}  # the lesson bar says "… · Text tab"
