"""The page in several languages: English in the code is the key, `components/locales/<code>.json`
says it in another language, and Gradio's frontend swaps it in (`gr.I18n`).

How the words reach the screen:
- Static words (labels, info lines, placeholders, tab and accordion names, Markdown, button text)
  are marked after the page is built (`localise`), straight in the config Gradio sends, so the
  tabs' code keeps plain English and a newcomer reads it as it is shown.
- Choice labels of radios, dropdowns and checkbox groups are marked the same way (their values,
  what handlers receive, stay English).
- The language follows the browser, or a link's `?lang=`, or the lesson bar's switch; the lesson
  bar calls `SET_LOCALE_JS` so Gradio's own words (its footer, "Use via API") follow too.
- Table headers and, after a switch, tab names are not redrawn by Gradio's frontend:
  `HEADERS_JS` swaps their text on the page, for tables drawn later too.
- Lines a handler writes on the server are English sentences that keep their template and
  fields (models/sentences.py: ``sentence("{n} examples → …", n=…)``); the API answers programs
  in English, and `said` looks each up by its template (its key) in the session's language as
  it leaves the handler (components/errors.py ``user_errors``): no parsing, and the braces stay
  on the server. A user's or the model's text is never a sentence, so it is never translated.
  The session's language is the lesson bar's (`remember`), else the link's ``?lang=``, else the
  browser's Accept-Language.

tests/test_i18n.py checks that every static word on the page has a translation in every language,
and tests/browser/test_i18n.py opens every tab in Spanish and Chinese and looks for English.
This file is not the lessons' text: those are written per language in components/lessons/course/.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.context import LocalContext

from components.scripts import script
from models.sentences import Joined, Sentence

LANGUAGES = ("en", "es", "zh")  # English first: the fallback
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
# Gradio's own words (its footer, settings) ship as zh-CN; ours must use the same name to be
# picked together with them.
GRADIO_LOCALE = {"en": "en", "es": "es", "zh": "zh-CN"}
# Props Gradio's frontend translates; `value` only where it is words drawn on the page (a
# textbox's value is the user's input and goes back to the server as it is).
TRANSLATED_PROPS = ("label", "info", "placeholder")
WORDS_AS_VALUE = {"markdown", "button", "downloadbutton", "uploadbutton"}
HIDDEN_TYPES = {"api", "state"}  # never drawn: their labels name API parameters
API_ONLY = "api-only"  # elem_classes of an input only API callers fill (an old parameter name)
WITH_CHOICES = {"radio", "dropdown", "checkboxgroup"}  # their choice labels are words too
# The marker Gradio parses ends at the first "}", so a key or translation holding one breaks.
_UNSAFE = "{}"
_MARK = "__i18n__"
# Gradio's frontend says in the page's language every label, info line and *value* that equals
# a translation key, marked or not; a radio's value "Mean over heads" (its choice label, marked,
# is that same English) then came back to the server as "Media de las cabezas" and was refused.
# Keys behind this prefix equal no English a widget holds, so only marked words are translated.
KEY_PREFIX = "pg:"


@cache
def _entries(language: str) -> dict[str, str]:
    """The language's file as it is (read once per process; empty for English)."""
    if language == LANGUAGES[0]:
        return {}
    return json.loads((LOCALE_DIR / f"{language}.json").read_text(encoding="utf-8"))


@cache
def catalogue(language: str) -> dict[str, str]:
    """English → `language` for every static word on the page (empty for English)."""
    words = _entries(language)
    return {
        english: said for english, said in words.items() if not set(_UNSAFE) & set(english + said)
    }


def said(value: Any, language: str) -> Any:
    """``value`` in ``language``, by key: a ``Sentence`` by its template (its fields said too),
    ``Joined`` text piece by piece, inside a Markdown update, a tuple, a list or a dict of
    outputs alike; any other value (a user's words, the model's) exactly as it is."""
    if language not in LANGUAGES or language == LANGUAGES[0]:
        return value
    if isinstance(value, Sentence):
        translation = _entries(language).get(value.template)
        if translation is None:
            return value
        return translation.format(**{k: said(v, language) for k, v in value.fields.items()})
    if isinstance(value, Joined):
        return value.separator.join(str(said(part, language)) for part in value.parts)
    if isinstance(value, gr.Markdown):  # an update: Gradio sends the arguments it was made with
        arguments = value.constructor_args
        if isinstance(arguments.get("value"), str):
            arguments["value"] = said(arguments["value"], language)
        return value
    if isinstance(value, tuple | list):
        return type(value)(said(item, language) for item in value)
    if isinstance(value, dict):
        return {key: said(item, language) for key, item in value.items()}
    return value


def here(value: Any) -> Any:
    """``value`` (a sentence) said in the language of the session whose event runs now: for a
    figure's title, axes and legend, which plotly keeps as plain text, so they are said where
    the figure is made (English outside an event)."""
    return said(value, current_language())


def current_language() -> str:
    """The language of the session whose event is running now (English outside an event, and
    for a program calling the API: it sends no browser language). Gradio keeps the event's
    request in a context variable while the function runs (gradio/utils.py)."""
    return language_of(LocalContext.request.get(None))


# Languages of the sessions whose lesson bar set one (bounded: the oldest are forgotten).
_SESSION_LANGUAGES: OrderedDict[str, str] = OrderedDict()
_SESSIONS_KEPT = 10_000
_LOCK = threading.Lock()


def remember(request: gr.Request | None, language: str) -> None:
    """Keep the language the lesson bar shows for this browser session."""
    if request is not None and request.session_hash and language in LANGUAGES:
        with _LOCK:
            _SESSION_LANGUAGES[request.session_hash] = language
            _SESSION_LANGUAGES.move_to_end(request.session_hash)
            while len(_SESSION_LANGUAGES) > _SESSIONS_KEPT:
                _SESSION_LANGUAGES.popitem(last=False)


def language_of(request: gr.Request | None) -> str:
    """This session's language: the lesson bar's, else ``?lang=``, else Accept-Language."""
    if request is None:
        return LANGUAGES[0]
    with _LOCK:
        kept = _SESSION_LANGUAGES.get(request.session_hash or "")
    if kept:
        return kept
    asked = dict(request.query_params or {}).get("lang") or ""
    wanted = [asked, *(request.headers.get("accept-language", "") or "").split(",")]
    for tag in wanted:
        code = tag.split(";")[0].strip().split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return LANGUAGES[0]


def translate(text: str, language: str) -> str:
    """`text` in `language` when the catalogue has it; English otherwise."""
    return catalogue(language).get(text, text) if language in LANGUAGES else text


def i18n() -> gr.I18n:
    """What `demo.launch(i18n=…)` takes: every catalogue under Gradio's locale names, each key
    behind `KEY_PREFIX`, and English too (for English pages and Gradio's English fallback)."""
    english = {key for code in LANGUAGES[1:] for key in catalogue(code)}
    locales = {
        GRADIO_LOCALE[code]: {KEY_PREFIX + key: said for key, said in catalogue(code).items()}
        for code in LANGUAGES[1:]
    }
    return gr.I18n(**{GRADIO_LOCALE["en"]: {KEY_PREFIX + key: key for key in english}}, **locales)


def _known(text: Any) -> bool:
    return isinstance(text, str) and any(text in catalogue(code) for code in LANGUAGES[1:])


def _marker(key: str) -> str:
    return str(gr.I18n()(KEY_PREFIX + key))


def marked(text: Any) -> Any:
    """`text` as Gradio's translation marker: the whole of it, or a known opening (a key that
    ends in a space, such as "Writing with ") followed by words that are not translated (the
    machine facts a line was built with). Anything else is returned as it is."""
    if not isinstance(text, str):
        return text
    if _known(text):
        return _marker(text)
    openings = (key for key in catalogue(LANGUAGES[1]) if key.endswith(" "))
    opening = next((key for key in openings if text.startswith(key)), None)
    return _marker(opening) + text[len(opening) :] if opening else text


def mark(config: dict[str, Any]) -> dict[str, Any]:
    """Replace every translatable word in Gradio's page config by its translation marker."""
    for component in config.get("components", []):
        if component.get("type") in HIDDEN_TYPES or API_ONLY in (
            component.get("props", {}).get("elem_classes") or []
        ):
            continue
        props = component.get("props", {})
        names = [*TRANSLATED_PROPS, *(["value"] if component.get("type") in WORDS_AS_VALUE else [])]
        for name in names:
            if name in props:
                props[name] = marked(props[name])
        if component.get("type") in WITH_CHOICES and props.get("choices"):
            props["choices"] = [[marked(label), value] for label, value in props["choices"]]
    return config


def unmarked(value: Any) -> Any:
    """`value` with every translation marker put back as its English words (for the API page,
    which Gradio builds from the same config and which speaks English to programs)."""
    if isinstance(value, dict):
        return {key: unmarked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unmarked(item) for item in value]
    if isinstance(value, str) and value.startswith(_MARK):
        end = value.index("}") + 1
        key = json.loads(value[len(_MARK) : end])["key"]
        return key.removeprefix(KEY_PREFIX) + value[end:]
    return value


def localise(demo: gr.Blocks) -> None:
    """Mark the page's words each time Gradio builds its config (at launch and on reloads);
    the API description Gradio derives from that config keeps the English."""
    build, describe = demo.get_config_file, demo.get_api_info

    def marked_config() -> Any:
        return mark(build())

    def api_info() -> Any:
        return unmarked(describe())

    demo.get_config_file = marked_config  # type: ignore[method-assign]
    demo.get_api_info = api_info  # type: ignore[method-assign]


SET_LOCALE_JS = script("set_locale", LOCALES=json.dumps(GRADIO_LOCALE))


def _short_words(language: str) -> dict[str, str]:
    """The catalogue's one-line entries: every table header is one (tests/test_i18n.py)."""
    return {k: v for k, v in catalogue(language).items() if len(k) <= 40 and "\n" not in k}


HEADERS_JS = script(
    "headers",
    WORDS=json.dumps(
        {GRADIO_LOCALE[code]: _short_words(code) for code in LANGUAGES[1:]}, ensure_ascii=False
    ),
)
