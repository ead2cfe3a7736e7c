"""What every tab keeps to, whatever it draws: its ``build`` returns a ``BuiltTab``, and the
controls that only the expert view shows carry the ``EXPERT`` class (the presenter bar's view
toggle, components/presenter.py, hides them in the simple view).

It lives apart from components/tabs.py (the table of tabs) because every tab module imports it
and the table imports every tab module.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.demos import PresetBar

VIEWS = ("Simple", "Expert")  # the presenter bar's views, as a link names them (lower-cased)
EXPERT = "expert"  # elem_classes value of the controls that only the expert view shows


@dataclass(kw_only=True)
class BuiltTab:
    """What every tab's ``build`` returns: its one-click demos (None for a tab without any),
    which the deep links and "copy link" use. Tabs that other tabs wire to extend it with the
    components those tabs need (components/text TextTab, attention AttentionTab, ...)."""

    presets: PresetBar | None = None
