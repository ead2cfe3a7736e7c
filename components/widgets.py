"""Widgets drawn from settings declared in the model layer (models/settings.py): a slider, a
number box, a radio, a dropdown, a checkbox or a text box, with the declared default, bounds,
step, label and help. A tab says only how a widget looks (its id, its classes, "a number box"),
never its default or its range: those live in one declaration.

``widgets(SamplingSettings, top_k={"elem_classes": [EXPERT]})`` draws every setting of a class in
field order and returns them by name, the names events are wired by (``inputs_kwargs``).
"""

from __future__ import annotations

from typing import Any, Literal

import gradio as gr

from models.settings import Setting, Settings

Look = Literal["slider", "number", "radio", "dropdown", "checkbox", "textbox"]


def look_of(declared: Setting) -> Look:
    """The widget a setting gets unless the tab asks for another: a slider for a bounded number
    with a step, a number box for one without, a radio for a few choices, a dropdown for more."""
    if declared.kind == "flag":
        return "checkbox"
    if declared.kind == "choice":
        return "radio" if len(declared.choices) <= 4 else "dropdown"
    if declared.kind == "text":
        return "textbox"
    return "slider" if declared.step is not None else "number"


def as_choice(choices: list[Any], value: Any) -> Any:
    """``value`` as a radio or dropdown with these choices holds it: where the choices are the
    text of numbers (the API lists a radio's values as text), a number is given as its text."""
    values = [choice[1] if isinstance(choice, tuple | list) else choice for choice in choices]
    if values and value not in values and str(value) in values:
        return str(value)
    return value


def widget(declared: Setting, look: Look | None = None, **options: Any) -> gr.Component:
    """The widget of one declared setting; ``options`` are Gradio's (elem_id, scale, ...), and
    may give another label or value where a view shows the setting differently, or the
    ``choices`` of a radio or dropdown as (shown name, value) pairs (values as text, say)."""
    look = look or look_of(declared)
    choices = list(options.pop("choices", declared.choices))
    common = {"label": declared.label or declared.said_name.capitalize(),
              "value": as_choice(choices, declared.default)}  # fmt: skip
    if declared.help:
        common["info"] = declared.help
    whole = declared.kind == "whole"
    common |= options
    if look == "slider":
        return gr.Slider(declared.low, declared.high, step=declared.step,
                         precision=0 if whole else None, **common)  # fmt: skip
    if look == "number":
        return gr.Number(minimum=declared.low, maximum=declared.high,
                         precision=0 if whole else None, **common)  # fmt: skip
    if look == "radio":
        return gr.Radio(choices, **common)
    if look == "dropdown":
        return gr.Dropdown(choices, **common)
    if look == "checkbox":
        return gr.Checkbox(**common)
    return gr.Textbox(max_length=declared.max_chars, **common)


def widgets(
    cls: type[Settings], only: tuple[str, ...] | None = None, **per_setting: dict[str, Any]
) -> dict[str, gr.Component]:
    """A widget for each declared setting of ``cls`` (or the ``only`` ones, in that order), by
    name; ``per_setting[name]`` holds that widget's options (``look`` included)."""
    declared = cls.declared()
    names = only or tuple(declared)
    made = {}
    for name in names:
        options = dict(per_setting.get(name, {}))
        made[name] = widget(declared[name], options.pop("look", None), **options)
    return made


def values_for(drawn: dict[str, gr.Component], settings: Settings) -> dict[gr.Component, Any]:
    """A settings object as updates of the widgets drawn for it (a demo sets them by name)."""
    return {
        component: as_choice(list(getattr(component, "choices", None) or []),
                             getattr(settings, name))
        for name, component in drawn.items()
        if hasattr(settings, name)
    }  # fmt: skip
