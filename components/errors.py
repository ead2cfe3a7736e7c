"""The edge between a handler and the page: errors become sentences, and sentences are said in
the session's language.

``user_errors`` wraps every handler where its event is wired (never afterwards). On the way out,
every ``Sentence`` a handler wrote (models/sentences.py) is said in the language of the session
whose event runs, by its template (components/i18n.py ``said``); a user's or the model's text is
plain ``str`` and passes as it is. ``PlaygroundError`` (bad input, missing weights, unknown model)
carries a sentence written for the user and becomes ``gr.Error``, said too. Anything else is a
bug: it is logged with its traceback for the operator and the user gets a short apology instead
of a crash.
"""

from __future__ import annotations

import functools
import html
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from components import i18n
from models.errors import PlaygroundError
from models.sentences import Sentence, sentence
from models.upload_text import without_lone_surrogates

log = logging.getLogger("playground")
F = TypeVar("F", bound=Callable[..., Any])


def to_gradio_error(error: Exception, language: str = "en") -> gr.Error:
    if isinstance(error, gr.Error):
        if isinstance(error.message, Sentence):
            message = str(i18n.said(error.message, language))
            return gr.Error(message, error.duration, error.visible, error.title,
                            error.print_exception)  # fmt: skip
        return error
    if isinstance(error, PlaygroundError):
        # The user's to fix, not a server fault: a sentence for them, no traceback in the log.
        # The browser's toast renders its message as HTML, and a sentence may quote a file's
        # column names or a CSV row: escaped, "<img onerror=…>" shows as text, never as markup.
        message = str(i18n.said(error.args[0], language)) if error.args else str(error)
        return gr.Error(html.escape(message, quote=False), print_exception=False)
    log.exception("Unexpected error in a handler", exc_info=error)
    apology = sentence(
        "Something went wrong on the server ({kind}). Try again; if it keeps happening, reload "
        "the page.",
        kind=type(error).__name__,
    )
    return gr.Error(str(i18n.said(apology, language)))


def clean_text(value: Any) -> Any:
    """Text as every library can take it: a lone UTF-16 surrogate (JSON can carry "\\ud800", no
    real text does) becomes U+FFFD, the replacement character. Other values pass unchanged."""
    if isinstance(value, str):
        return without_lone_surrogates(value)
    if isinstance(value, list | tuple):
        return type(value)(clean_text(item) for item in value)
    return value


SAYS = "_says_its_sentences"  # set on what user_errors returns (tests/test_sentences.py checks it)


def user_errors(fn: F) -> F:
    """Wrap a handler (plain or generator) so every error reaches the user as a sentence, what
    it writes is said in the session's language, and text that no tokenizer or image library
    accepts (lone surrogates) is cleaned on the way in."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            args, kwargs = _cleaned(args, kwargs)
            language = i18n.current_language()
            try:
                for result in fn(*args, **kwargs):
                    yield i18n.said(result, language)
            except Exception as error:
                raise to_gradio_error(error, language) from error

        setattr(gen_wrapper, SAYS, True)
        return gen_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args, kwargs = _cleaned(args, kwargs)
        language = i18n.current_language()
        try:
            return i18n.said(fn(*args, **kwargs), language)
        except Exception as error:
            raise to_gradio_error(error, language) from error

    setattr(wrapper, SAYS, True)
    return wrapper  # type: ignore[return-value]


def _cleaned(args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict[str, Any]]:
    return tuple(clean_text(a) for a in args), {k: clean_text(v) for k, v in kwargs.items()}
