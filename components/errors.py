"""Turn model-layer errors into messages the browser shows, so no traceback reaches a user.

``PlaygroundError`` (bad input, missing weights, unknown model) carries a sentence written for the
user and becomes ``gr.Error`` as is. Anything else is a bug: it is logged with its traceback for
the operator and the user gets a short apology instead of a crash.
"""

from __future__ import annotations

import functools
import html
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from models.errors import PlaygroundError

log = logging.getLogger("playground")
F = TypeVar("F", bound=Callable[..., Any])


def to_gradio_error(error: Exception) -> gr.Error:
    if isinstance(error, gr.Error):
        return error
    if isinstance(error, PlaygroundError):
        # The user's to fix, not a server fault: a sentence for them, no traceback in the log.
        # The browser's toast renders its message as HTML, and a sentence may quote a file's
        # column names or a CSV row: escaped, "<img onerror=…>" shows as text, never as markup.
        return gr.Error(html.escape(str(error), quote=False), print_exception=False)
    log.exception("Unexpected error in a handler", exc_info=error)
    return gr.Error(
        f"Something went wrong on the server ({type(error).__name__}). Try again; if it keeps "
        "happening, reload the page."
    )


def clean_text(value: Any) -> Any:
    """Text as every library can take it: a lone UTF-16 surrogate (JSON can carry "\\ud800", no
    real text does) becomes U+FFFD, the replacement character. Other values pass unchanged."""
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if isinstance(value, list | tuple):
        return type(value)(clean_text(item) for item in value)
    return value


def user_errors(fn: F) -> F:
    """Wrap a handler (plain or generator) so every error reaches the user as a sentence, and
    text that no tokenizer or image library accepts (lone surrogates) is cleaned on the way in."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            args, kwargs = _cleaned(args, kwargs)
            try:
                yield from fn(*args, **kwargs)
            except Exception as error:
                raise to_gradio_error(error) from error

        return gen_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args, kwargs = _cleaned(args, kwargs)
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            raise to_gradio_error(error) from error

    return wrapper  # type: ignore[return-value]


def _cleaned(args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict[str, Any]]:
    return tuple(clean_text(a) for a in args), {k: clean_text(v) for k, v in kwargs.items()}
