"""Handlers that take settings objects, as Gradio (and API callers) see them.

A handler takes a settings object: ``def on_generate(prompt: str, *, sampling: SamplingSettings)``.
Gradio calls a function with one value per widget, so ``endpoint(on_generate,
sampling=SamplingSettings)`` is that handler with the object spread into its declared settings:
keyword parameters named as the fields, with their declared defaults, which the event is wired
to by name (``inputs_kwargs``) and which the API lists with those names and defaults. The values
are checked into the object (``Settings.checked``) before the handler runs.

``renamed`` keeps an endpoint's old parameter names working for one release: each is a hidden
input (``old_names``), its value goes to the new name, and the caller hears a warning (Gradio
sends it to API clients as a log message; the page never sends an old name).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import gradio as gr

from components.i18n import API_ONLY
from models.settings import Settings

_TYPES = {"whole": int, "real": float, "flag": bool, "choice": str, "text": str}
# Every old parameter name still accepted, and its new name, across the app's endpoints
# (filled as they are built; tests/test_api_names.py reads it).
OLD_NAMES: dict[str, str] = {}


Spread = type[Settings] | Settings | tuple[type[Settings] | Settings, tuple[str, ...]]


def _spread(given: Spread) -> tuple[type[Settings], dict[str, Any], tuple[str, ...]]:
    """(the class, the defaults, the names spread) of one ``endpoint`` argument: a settings class
    (its declared defaults), an instance (its values are the defaults: a view whose own defaults
    differ), either with a tuple of the names to spread (the others stay at their defaults)."""
    source, only = given if isinstance(given, tuple) else (given, ())
    cls = source if isinstance(source, type) else type(source)
    declared = cls.declared()
    if isinstance(source, type):
        values = {name: s.default for name, s in declared.items()}
    else:
        values = {name: getattr(source, name) for name in declared}
    return cls, values, only or tuple(declared)


def endpoint(
    fn: Callable[..., Any], renamed: Mapping[str, str] | None = None, **objects: Spread
) -> Callable[..., Any]:
    """``fn`` with each parameter named in ``objects`` spread into that settings class's fields
    (keyword parameters, with the declared defaults or an instance's values), and ``renamed``'s
    old names accepted for one more release. Plain functions and generators alike (Gradio
    streams the latter)."""
    renamed = dict(renamed or {})
    OLD_NAMES.update(renamed)
    spreads = {name: _spread(given) for name, given in objects.items()}
    signature = inspect.signature(fn)
    owner: dict[str, str] = {}  # a spread field's name -> the parameter its object fills
    positional: list[inspect.Parameter] = []
    keyword: list[inspect.Parameter] = []
    spread_in: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name not in spreads:
            (keyword if parameter.kind == inspect.Parameter.KEYWORD_ONLY else positional).append(
                parameter
            )
            continue
        cls, values, names = spreads[parameter.name]
        declared = cls.declared()
        for name in names:
            owner[name] = parameter.name
            kind = _TYPES[declared[name].kind]
            spread_in.append(
                inspect.Parameter(
                    name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=values[name],
                    annotation=kind | None if declared[name].optional else kind,
                )
            )  # fmt: skip
    old = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                          annotation=Any)
        for name in renamed
    ]  # fmt: skip
    # Positional-or-keyword, in this order: Gradio passes an event's inputs by name
    # (inputs_kwargs) and gr.api's by position. Gradio's own (gr.Request, gr.Progress) keep theirs.
    made = signature.replace(parameters=[*positional, *spread_in, *old, *keyword])

    def arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        named = dict(made.bind_partial(*args, **kwargs).arguments)
        for old_name, new in renamed.items():
            value = named.pop(old_name, None)
            if value is not None:
                named[new] = value
                gr.Warning(
                    f"The parameter {old_name} is now called {new}: the old name works until "
                    "the next release."
                )
        given: dict[str, dict[str, Any]] = {name: {} for name in spreads}
        for name in [k for k in named if k in owner]:
            given[owner[name]][name] = named.pop(name)
        for name, (cls, values, _) in spreads.items():
            named[name] = cls.checked(**{**values, **given[name]})
        return named

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def stream(*args: Any, **kwargs: Any) -> Any:
            yield from fn(**arguments(args, kwargs))

        wrapped: Callable[..., Any] = stream
    else:

        @functools.wraps(fn)
        def plain(*args: Any, **kwargs: Any) -> Any:
            return fn(**arguments(args, kwargs))

        wrapped = plain
    wrapped.__signature__ = made  # type: ignore[attr-defined]  # what Gradio and the API read
    wrapped.__annotations__ = {p.name: p.annotation for p in made.parameters.values()}
    return wrapped


def old_names(
    renamed: Mapping[str, str], files: tuple[str, ...] = ()
) -> dict[str, gr.JSON | gr.File]:
    """A hidden input for each old parameter name (its value reaches ``endpoint`` as given).
    An old name in ``files`` names a file: its input is a hidden file input, so that Gradio
    checks what arrives there as it checks any upload (never a path on the server)."""
    hidden: dict[str, gr.JSON | gr.File] = {}
    for old, new in renamed.items():
        label = f"{old} (now {new})"
        hidden[old] = (
            gr.File(visible=False, type="filepath", label=label, elem_classes=[API_ONLY])
            if old in files
            else gr.JSON(None, visible=False, label=label, elem_classes=[API_ONLY])
        )
    return hidden
