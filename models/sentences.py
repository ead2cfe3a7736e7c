"""Sentences that can be said in another language by their key: the gettext-style call.

Handlers (and the model layer's summaries and errors) write English for the user. Where a line
is written, ``sentence(template, **fields)`` writes it: the English as it reads, and the
template it came from with its fields, so the page can say it in the session's language by
looking the template up (components/i18n.py ``said``), never by parsing the English back.

    sentence("Cancelled at step {step} of {planned}.", step=3, planned=40)

A ``Sentence`` is a ``str`` (the English), so every caller, test and API client reads it as
before. A field that is itself a sentence (a data set's name, a unit) is said too. ``joined``
keeps several pieces as one text (a status line's " · "-separated facts, a summary's
paragraphs) whose pieces are said one by one; plain text inside one (a user's file name, the
model's words) stays as it is. tests/test_sentences.py reads every template in the code and
checks that each language has it, with the same fields. Never imports gradio.
"""

from __future__ import annotations

from typing import Any


class Sentence(str):
    """English text that keeps the template and fields it was written from."""

    template: str
    fields: dict[str, Any]

    def __new__(cls, template: str, /, **fields: Any) -> Sentence:
        made = super().__new__(cls, template.format(**fields) if fields else template)
        made.template = template
        made.fields = fields
        return made

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as a sentence (ZeroGPU workers pickle)
        return (_sentence, (self.template, self.fields))


def _sentence(template: str, fields: dict[str, Any]) -> Sentence:
    return Sentence(template, **fields)


def sentence(template: str, /, **fields: Any) -> Sentence:
    """The gettext-style call: ``template`` (a catalogue key, components/locales/*.json) with
    its ``fields`` filled in."""
    return Sentence(template, **fields)


class Joined(str):
    """Several pieces as one text, each said on its own (a separator is never translated)."""

    separator: str
    parts: tuple[str, ...]

    def __new__(cls, separator: str, parts: tuple[str, ...]) -> Joined:
        made = super().__new__(cls, separator.join(parts))
        made.separator = separator
        made.parts = parts
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Joined, (self.separator, self.parts))


def joined(separator: str, *parts: str) -> Joined:
    """``parts`` (sentences, or plain text left as it is) joined by ``separator``; empty parts
    are left out."""
    return Joined(separator, tuple(part for part in parts if part))


def lines(*parts: str) -> Joined:
    """Pieces on lines of their own."""
    return joined("\n", *parts)


def paragraphs(*parts: str) -> Joined:
    """Pieces as Markdown paragraphs (a blank line between)."""
    return joined("\n\n", *parts)
