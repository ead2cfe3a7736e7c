"""The page's words in every language: every static word the page is built with is marked for
Gradio's translations and has a translation in Spanish and Chinese; choice labels are redrawn in
the language; the catalogues hold nothing the translation marker would break on, and nothing
the page no longer shows."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import gradio as gr
import pytest
from gradio.context import LocalContext
from starlette.requests import Request

from app import build_app
from components import eta, i18n
from components.attention.presets import INSIDE_PRESETS, tab_presets
from components.attention.presets import PRESETS as ATTENTION_PRESETS
from components.demos import TabPreset, preset_bar
from components.embeddings.classifier_handlers import train_classifier
from components.embeddings.handlers import MapView, project_embeddings
from components.embeddings.presets import EMBEDDING_PRESETS
from components.finetune.data_handlers import inspect_data
from components.finetune.presets import ALL_PRESETS as FINETUNE_PRESETS
from components.image.presets import IMAGE_PRESETS, VIEW_PRESETS
from components.text import plots
from components.text.presets import TEXT_PRESETS
from components.tokens.presets import TOKENS_PRESETS
from models.builtin import default_registry
from models.embeddings.classifier import SplitSettings
from models.embeddings.projection import ProjectionSettings
from models.embeddings.sentence_sets import SentenceInput
from models.sentences import paragraphs, sentence
from models.text.generation import Generation

MARKER = re.compile(r"^__i18n__(\{.*?\})")
# Words that are the same in every language: names of models, tokenizers, libraries, methods and
# parameters, and file names. They are written as they are everywhere in the field.
NAMES = re.compile(
    r"^(SmolLM2|all-MiniLM|GPT-4|Llama 3|Qwen 3|HuggingFaceTB/|sentence-transformers/|playground/"
    r"|stabilityai/|UMAP|PCA|t-SNE|DDPM|DDIM|Euler|DPM-Solver\+\+|cosine|euclidean|2D|3D|English"
    r"|Español|中文|integrated-gradients|gradient-x-input|lora-adapter\.zip|[0-9 .,·×–-]+$"
    r"|\w+ \(now \w+\)$)"  # an API parameter's old name (components/endpoints.py old_names)
)
# The lesson bar draws its own words per language on load (components/lessons/ui_text.py), and a
# lesson's text is written per language (components/lessons/course/).
LESSON_IDS = {"lesson-progress", "lesson-say", "lesson-question", "lesson-answer"}
LESSON_CHOOSERS = {"lesson-pick", "lesson-language"}  # lesson titles; each language's own name


def _code_strings() -> str:
    """Every string literal of components/ and models/ (an f-string as if its fields were
    empty too), one per line: what handlers can write."""
    found = []
    for path in [*Path("components").rglob("*.py"), *Path("models").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
            elif isinstance(node, ast.JoinedStr):  # f"Done.{ended} Try …" with empty fields
                found.append("".join(v.value for v in node.values if isinstance(v, ast.Constant)))
    return "\n".join(found)


@pytest.fixture(scope="module")
def config() -> dict:
    return build_app(default_registry()).get_config_file()


def _shown_words(config: dict):
    for component in config["components"]:
        props = component.get("props", {})
        hidden = component["type"] in {"api", "state"}
        if (
            props.get("elem_id") in LESSON_IDS
            or hidden
            or i18n.API_ONLY in (props.get("elem_classes") or [])
        ):
            continue  # a lesson's own words, or never drawn (an old API parameter's name)
        names = [*i18n.TRANSLATED_PROPS]
        if component["type"] in i18n.WORDS_AS_VALUE:
            names.append("value")
        for name in names:
            text = props.get(name)
            if isinstance(text, str) and text.strip():
                yield component, name, text


def _key(marked: str) -> str | None:
    found = MARKER.match(marked)
    return json.loads(found.group(1))["key"].removeprefix(i18n.KEY_PREFIX) if found else None


def test_every_static_word_is_marked_and_translated_in_every_language(config) -> None:
    untranslated = []
    for component, name, text in _shown_words(config):
        key = _key(text)
        if key is None and not NAMES.match(text):
            untranslated.append((component["type"], component["props"].get("elem_id"), name, text))
            continue
        for language in i18n.LANGUAGES[1:]:
            if key is not None:
                assert key in i18n.catalogue(language), (language, key)
    assert not untranslated, "\n".join(map(repr, untranslated[:20]))


def test_a_line_built_from_machine_facts_keeps_the_facts_and_translates_its_opening() -> None:
    line = "Writing with llama.cpp in-process (SmolLM2-135M-Instruct.Q4_1.gguf, 4 slots)."
    marked = i18n.marked(line)
    assert _key(marked) == "Writing with "
    assert marked.endswith("llama.cpp in-process (SmolLM2-135M-Instruct.Q4_1.gguf, 4 slots).")
    assert i18n.marked("Nothing known here.") == "Nothing known here."


def _choices(config: dict):
    for component in config["components"]:
        props = component.get("props", {})
        if component["type"] in i18n.WITH_CHOICES and props.get("elem_id") not in LESSON_CHOOSERS:
            yield from (tuple(choice) for choice in props.get("choices") or [])


def test_every_choice_label_is_translated_and_values_stay_english(config) -> None:
    choices = list(_choices(config))
    assert ["__i18n__" in label for label, _ in choices].count(True) >= 40
    for label, _ in choices:
        key = _key(label)
        if key is None:
            assert NAMES.match(label), label
            continue
        assert all(key in i18n.catalogue(language) for language in i18n.LANGUAGES[1:]), key
    values = {value for _, value in choices}
    assert {"balanced", "cat", "red", "Example set", "One head"} <= values  # what handlers get


def _headers(config: dict):
    for component in config["components"]:
        props = component.get("props", {})
        if component["type"] == "dataframe":
            yield from (props.get("value") or {}).get("headers") or []
        if component["type"] == "dataset":
            yield from props.get("headers") or []


def test_every_table_header_has_a_translation_for_the_pages_header_script(config) -> None:
    headers = set(_headers(config))
    assert {"Tokenizer", "Kind", "Load time", "Negative prompt"} <= headers
    for header in headers:
        if not NAMES.match(header):
            for language in i18n.LANGUAGES[1:]:
                assert header in i18n.catalogue(language), (language, header)
                assert len(header) <= 40  # the one-line entries HEADERS_JS carries
    assert '"Tokenizador"' in i18n.HEADERS_JS and '"分词器"' in i18n.HEADERS_JS


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_catalogues_hold_nothing_empty_and_nothing_stale(config, language) -> None:
    words = json.loads((i18n.LOCALE_DIR / f"{language}.json").read_text(encoding="utf-8"))
    assert all(v.strip() for v in words.values())
    page = i18n.catalogue(language)  # what the page gets: no braces (the marker ends at "}")
    assert all("{" not in k + v and "}" not in k + v for k, v in page.items())
    templates = {k: v for k, v in words.items() if "{" in k}
    assert len(page) + len(templates) == len(words)  # a brace only in a translation is dropped
    for english, said in templates.items():  # the same fields, each once
        assert sorted(re.findall(r"\{(\w+)\}", english)) == sorted(
            re.findall(r"\{(\w+)\}", said)
        ), english
    used = {_key(text) for _, _, text in _shown_words(config)}
    used |= {_key(label) for label, _ in _choices(config)}
    used |= set(_headers(config))
    # What handlers write (demo notes, status lines, summaries, template fields) is English in
    # the code: an entry is still needed while the code says it.
    code = _code_strings()
    stale = sorted(key for key in set(page) - used if key not in code)
    assert not stale, stale[:10]


def test_a_handlers_summary_is_said_paragraph_by_paragraph_with_its_numbers() -> None:
    registry = default_registry()
    summary = inspect_data(registry, "Pirate speak", None)[0]
    assert "100 examples → 80 to train on, 20 held out" in summary
    spanish = i18n.said(summary, "es")
    assert "100 ejemplos → 80 para entrenar y 20 reservados para la comparación." in spanish
    assert "Tokens por ejemplo: mínimo" in spanish
    assert "Habla pirata" in spanish and "Pirate speak" not in spanish  # the set's name too
    chinese = i18n.said(summary, "zh")
    assert "100 个示例 → 80 个用于训练，20 个留出用于对比。" in chinese
    assert i18n.said(summary, "en") == summary
    # plain text is a user's or the model's words: never translated, even when a key matches
    assert i18n.said("Text", "es") == "Text"


def test_the_text_tabs_status_line_is_said_fact_by_fact() -> None:
    run = Generation(seed=42, prompt_ids=[1], finished=True, stop_reason="max new tokens")
    run.tokens = [None] * 40  # type: ignore[list-item]  # only counted
    run.seconds, run.first_token_seconds = 2.0, 0.25
    line = paragraphs(
        plots.status_line(run, "llama.cpp"), sentence("The model ended its answer at once.")
    )
    assert line.startswith("seed **42** · 40 tokens · 20.0 tokens/s (llama.cpp)")
    assert i18n.said(line, "es") == (
        "semilla **42** · 40 tokens · 20.0 tokens/s (llama.cpp) · primer token en 0.25 s · "
        "fin: máximo de tokens nuevos\n\nEl modelo terminó su respuesta enseguida."
    )
    going = plots.status_line(
        Generation(seed=7, prompt_ids=[1]), left=eta.left_piece(1, 10, 5.0), streaming=True
    )
    chinese = i18n.said(going, "zh")
    assert chinese.startswith("生成中… 随机种子 **7** · 0 个 token") and "大约还剩" in chinese
    assert "tokens" not in chinese.replace("token/秒", "")


def test_the_embeddings_map_and_classifier_summaries_are_said_with_their_numbers() -> None:
    registry = default_registry()
    minilm = registry.default("sentence-embedder")
    _, _, summary, _, state = project_embeddings(
        registry, minilm, sentences=SentenceInput(data="Five topics"),
        projection=ProjectionSettings.checked(method="PCA", dimensions="2"),
        view=MapView(compare_with="UMAP"),
    )  # fmt: skip
    spanish = i18n.said(summary, "es")
    assert "**200 frases**, embeddings de 384 dimensiones" in spanish
    assert "coloreadas por sus etiquetas. PCA tardó" in spanish
    assert "El mapa de comparación de al lado usa los mismos embeddings y colores." in spanish
    held_out = train_classifier(
        registry, minilm, sentences=SentenceInput(data="Five topics"),
        split=SplitSettings(test_fraction=0.25, seed=3), map_state=state,
    )[0]  # fmt: skip
    assert held_out.startswith("**Held-out accuracy")
    chinese = i18n.said(held_out, "zh")
    assert chinese.startswith("**留出准确率 ") and "个类别；拟合用时" in chinese
    assert "sentences" not in chinese


def _request(session: str, query: str = "", accept: str = "") -> gr.Request:
    scope = {"type": "http", "headers": [(b"accept-language", accept.encode())],
             "query_string": query.encode(), "path": "/", "method": "GET"}  # fmt: skip
    made = gr.Request(Request(scope))
    made.session_hash = session  # type: ignore[attr-defined]
    return made


def _every_demo() -> list[TabPreset]:
    attention = tab_presets(ATTENTION_PRESETS + INSIDE_PRESETS)
    return [*TEXT_PRESETS, *IMAGE_PRESETS, *VIEW_PRESETS, *TOKENS_PRESETS, *EMBEDDING_PRESETS,
            *attention, *FINETUNE_PRESETS]  # fmt: skip


def test_every_demos_button_and_note_are_said_in_every_language() -> None:
    for preset in _every_demo():
        for language in i18n.LANGUAGES[1:]:
            assert preset.label in i18n.catalogue(language), (language, preset.label)
            assert preset.note in i18n.catalogue(language), (language, preset.slug)
    with gr.Blocks():
        bar = preset_bar("text", TEXT_PRESETS)
    picker = bar._picker("sure")  # what the demo button runs first: its slug and note

    def pick(request: gr.Request) -> tuple[str, str]:  # as Gradio runs it, inside the event
        token = LocalContext.request.set(request)
        try:
            return picker()
        finally:
            LocalContext.request.reset(token)

    slug, note = pick(_request("browser-es", accept="es-ES,es;q=0.9"))
    assert slug == "sure" and note.startswith("**Una pregunta con una sola respuesta**: ")
    assert "decodificación voraz (temperatura 0)" in note
    assert "贪心解码" in pick(_request("browser-zh", query="lang=zh"))[1]
    assert pick(_request("browser-en", accept="en-GB"))[1] == bar.note_for("sure")
    assert bar.note_for("sure").startswith("**A question with one answer**: greedy decoding")


def test_a_sessions_language_is_the_lesson_bars_then_the_link_then_the_browser() -> None:
    request = _request
    assert i18n.language_of(None) == "en"
    assert i18n.language_of(request("a", accept="es-ES,es;q=0.9,en;q=0.8")) == "es"
    assert i18n.language_of(request("b", query="lang=zh", accept="es-ES")) == "zh"
    assert i18n.language_of(request("c", accept="fr-FR,fr")) == "en"
    i18n.remember(request("a"), "zh")
    assert i18n.language_of(request("a", accept="es-ES")) == "zh"


def test_the_launch_carries_every_catalogue_under_gradios_locale_names(config) -> None:
    translations = i18n.i18n().translations_dict
    assert set(translations) == {"en", "es", "zh-CN"}
    key = i18n.KEY_PREFIX + "Generate"
    assert translations["es"][key] == "Generar" and translations["en"][key] == "Generate"
    assert set(translations["en"]) == set(translations["es"]) == set(translations["zh-CN"])
    assert isinstance(i18n.i18n(), gr.I18n)
    # Gradio's frontend translates any label or value equal to a key: no widget's English value
    # may be one, or a Spanish page sends "Media de las cabezas" for "Mean over heads".
    values = [c["props"].get("value") for c in config["components"]]
    values += [value for _, value in _choices(config)]
    keys = set(translations["es"])
    assert not [v for v in values if isinstance(v, str) and v in keys]
    assert "Mean over heads" in values  # the radio that was refused on a Spanish page


def test_the_api_description_keeps_english_labels() -> None:
    demo = build_app(default_registry())
    demo.config = demo.get_config_file()
    described = json.dumps(demo.get_api_info())
    assert "__i18n__" not in described
    assert '"label": "Model"' in described  # /generate_image's first parameter, as the tab says it
