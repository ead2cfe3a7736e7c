"""Translation carried by its key: every sentence the code writes has a translation in every
language, with the same fields, checked without running a model.

The code writes user-facing lines with ``sentence("template {field}", field=...)``
(models/sentences.py). This test reads the source of components/ and models/ (an AST, no
imports) for every such call with a written-out template, and checks the catalogues
(components/locales/*.json): each template is a key, its translation names exactly the
template's fields, and the call passes exactly those fields. And ``said`` says a sentence, its
fields and joined pieces, leaving a user's text alone.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import gradio as gr
import pytest

from components import i18n
from models.sentences import joined, paragraphs, sentence

ROOT = Path(__file__).resolve().parents[1]
FIELD = re.compile(r"\{(\w+)[^{}]*\}")


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def written_sentences() -> list[tuple[str, int, str, set[str] | None]]:
    """(file, line, template, the keyword fields passed; None when passed as **mapping)."""
    found = []
    for path in sorted([*ROOT.glob("components/**/*.py"), *ROOT.glob("models/**/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "sentence"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            keywords = {k.arg for k in node.keywords}
            passed = None if None in keywords else keywords
            relative = str(path.relative_to(ROOT))
            found.append((relative, node.lineno, node.args[0].value, passed))
    return found


SENTENCES = written_sentences()


def test_the_code_writes_sentences() -> None:
    assert len(SENTENCES) >= 40  # the scan found the calls (not an empty pass)


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_every_sentence_has_a_translation_with_the_same_fields(language: str) -> None:
    catalogue = i18n._entries(language)
    missing, different = [], []
    for where, line, template, _ in SENTENCES:
        said = catalogue.get(template)
        if said is None:
            missing.append(f"{where}:{line}: {template[:70]!r}")
        elif fields_of(said) != fields_of(template):
            different.append(f"{where}:{line}: {template[:50]!r} -> {said[:50]!r}")
    assert not missing, f"{len(missing)} sentences without a {language} entry:\n" + "\n".join(
        missing
    )
    assert not different, "\n".join(different)


def test_every_call_passes_exactly_its_templates_fields() -> None:
    wrong = [
        f"{where}:{line}: {template[:50]!r} wants {sorted(fields_of(template))}, gets "
        f"{sorted(passed)}"
        for where, line, template, passed in SENTENCES
        if passed is not None and passed != fields_of(template)
    ]
    assert not wrong, "\n".join(wrong)


def test_said_uses_the_template_and_says_fields_and_pieces() -> None:
    status = joined(
        " · ",
        sentence("seed **{seed}**", seed=3),
        sentence("ended: {reason}", reason=sentence("stopped")),
    )
    said = i18n.said(status, "es")
    assert said == "semilla **3** · fin: detenido", said
    user_text = "seed **3**"  # a user's or the model's words: never translated
    assert i18n.said((user_text, paragraphs(sentence("stopped"), user_text)), "es") == (
        user_text,
        "detenido\n\nseed **3**",
    )
    assert i18n.said(status, "en") is status  # English: the text itself


def test_every_event_that_writes_markdown_says_its_sentences() -> None:
    """A Markdown output (a status, a summary, a demo's note) is filled only by a handler wrapped
    in ``user_errors``, the one place where sentences are said in the session's language."""
    from app import build_app
    from components.errors import SAYS
    from tests.test_app import fake_registry

    demo = build_app(fake_registry())
    unsaid = [
        f"{block_fn.name} ({block_fn.api_name or 'private'})"
        for block_fn in demo.fns.values()
        if block_fn.fn is not None
        and any(isinstance(out, gr.Markdown) for out in block_fn.outputs)
        and not getattr(block_fn.fn, SAYS, False)
    ]
    assert not unsaid, unsaid
