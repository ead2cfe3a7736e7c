"""What handlers write, said in the page's language: every Markdown a handler fills (a status
line, a summary, a demo's note) and every error sentence it raises (the toast) pass through
`i18n.say` for the session it answers.

Handlers stay plain English functions (their tests and the API read English); the page wraps
each event's function once it is built (`speak_results`, which the lesson bar hands to
`i18n.localise`), so a new tab's summaries are said as soon as the catalogue
(components/locales/) has their templates.
Only Markdown is said: a textbox may hold the user's or the model's words, which must reach the
model as they were typed. A program calling the API gets English, as no browser language comes
with it.

This file is not the catalogue, nor the static words of the page (components/i18n.py).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import gradio as gr
from gradio.context import LocalContext

from components import i18n

_SPOKEN = "_speaks_results"  # set on a wrapped function, so wrapping twice is a no-op


def current_language() -> str:
    """The language of the session whose event is running now (English outside an event).
    Gradio keeps the event's request in a context variable while the function runs (it is the
    same request a `gr.Request` parameter would get; gradio/utils.py, get_function_with_locals)."""
    return i18n.language_of(LocalContext.request.get(None))


def said_value(value: Any, language: str) -> Any:
    """One Markdown output's value in ``language``: text, or the value of an update."""
    if isinstance(value, str):
        return i18n.say(value, language)
    if isinstance(value, gr.Markdown):  # an update such as gr.Markdown("…"): Gradio sends the
        arguments = value.constructor_args  # arguments it was made with (gradio/blocks.py)
        if isinstance(arguments.get("value"), str):
            arguments["value"] = i18n.say(arguments["value"], language)
    elif isinstance(value, dict) and isinstance(value.get("value"), str):
        value = {**value, "value": i18n.say(value["value"], language)}
    return value


def said_result(result: Any, spoken: tuple[int, ...], outputs: list[Any]) -> Any:
    """A handler's result with its Markdown outputs (at positions ``spoken``) said."""
    if not spoken:
        return result
    language = current_language()
    if language == i18n.LANGUAGES[0]:
        return result
    if isinstance(result, dict) and any(key in outputs for key in result):
        markdown = {id(outputs[i]) for i in spoken}
        return {k: said_value(v, language) if id(k) in markdown else v for k, v in result.items()}
    if len(outputs) == 1:
        return said_value(result, language)
    if isinstance(result, (tuple, list)):
        said = [said_value(v, language) if i in spoken else v for i, v in enumerate(result)]
        return type(result)(said) if isinstance(result, tuple) else said
    return result


def said_error(error: gr.Error) -> gr.Error:
    """The error's sentence (the toast a user reads) in the session's language."""
    language = current_language()
    said = i18n.say(error.message, language)
    if said == error.message:
        return error
    return gr.Error(said, error.duration, error.visible, error.title, error.print_exception)


def speaking(fn: Callable[..., Any], spoken: tuple[int, ...], outputs: list[Any]) -> Callable:
    """``fn`` with its Markdown outputs and its errors said; the same kind of function (plain,
    generator, coroutine), the same signature, so Gradio passes it the same arguments and
    streams it."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def stream(*args: Any, **kwargs: Any) -> Any:
            try:
                for result in fn(*args, **kwargs):
                    yield said_result(result, spoken, outputs)
            except gr.Error as error:
                raise said_error(error) from error

        wrapped: Callable = stream
    elif inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def async_stream(*args: Any, **kwargs: Any) -> Any:
            try:
                async for result in fn(*args, **kwargs):
                    yield said_result(result, spoken, outputs)
            except gr.Error as error:
                raise said_error(error) from error

        wrapped = async_stream
    elif inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def waited(*args: Any, **kwargs: Any) -> Any:
            try:
                return said_result(await fn(*args, **kwargs), spoken, outputs)
            except gr.Error as error:
                raise said_error(error) from error

        wrapped = waited
    else:

        @functools.wraps(fn)
        def plain(*args: Any, **kwargs: Any) -> Any:
            try:
                return said_result(fn(*args, **kwargs), spoken, outputs)
            except gr.Error as error:
                raise said_error(error) from error

        wrapped = plain
    setattr(wrapped, _SPOKEN, True)
    return wrapped


def speak_results(demo: gr.Blocks) -> int:
    """Wrap every event of ``demo`` (once each) so its Markdown outputs and its error sentences
    are said; returns how many were wrapped now."""
    count = 0
    for block_fn in demo.fns.values():
        fn = block_fn.fn
        if fn is None or getattr(fn, _SPOKEN, False) or block_fn.renderable is not None:
            continue
        spoken = tuple(i for i, out in enumerate(block_fn.outputs) if isinstance(out, gr.Markdown))
        block_fn.fn = speaking(fn, spoken, list(block_fn.outputs))
        count += 1
    return count
