"""A Spanish or Chinese browser opens the playground: every tab, every label, button, choice and
table header it was built with shows in that language, Gradio's own words too, and no English
sentence of the catalogue is left on screen; the lesson bar's switch and a ?lang= link change the
whole page; what a demo writes (its note, the Text tab's status line, the Attention tab's
summary) is said in it too, and the demos run: the values widgets send stay English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from components import i18n
from components.tabs import TAB_IDS, TAB_NAMES
from tests.browser.conftest import assert_no_errors, screenshot

LOCALES = {"es": "es-ES", "zh": "zh-CN"}
# Each tab (in order) and an element that shows once its tab is drawn.
DRAWN = {"start": "button[role=tab]", "text": "#text-generate", "image": "#image-steps",
         "tokens": "#tokens-summary thead", "embeddings": "#embeddings-map",
         "attention": "#attention-main", "finetune": "#finetune-summary",
         "models": "#models-table thead"}  # fmt: skip
assert list(DRAWN) == list(TAB_IDS)  # every tab, in page order (components/tabs.py)
# Two animation frames: the page's header script (HEADERS_JS) runs on the first after a change.
FRAMES_JS = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
GRADIO_FOOTER = {"es": "Usar vía API", "zh": "通过 API 使用"}  # Gradio's own words
# Text on screen, one line per element, but for data: table cells (an example's negative prompt
# "red"), token chips and plots (the pieces of a sentence), in the language of the models.
_SHOWN_JS = """() => {
    const lines = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
        const node = walk.currentNode, element = node.parentElement;
        if (!element || !node.nodeValue.trim()) continue;
        if (element.closest('tbody, .tok, svg, script, style')) continue;
        if (!element.offsetParent && getComputedStyle(element).position !== 'fixed') continue;
        lines.push(node.nodeValue);
    }
    return lines.join('\\n');
}"""


def _plain(text: str) -> str:
    """The words a Markdown key shows: no markup, no tags, one line."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[*#`_]|\[|\]\([^)]*\)", "", text)
    return " ".join(text.split())


def _english_left(shown: str, language: str) -> list[str]:
    """Catalogue sentences whose English is on screen although the translation differs."""
    lines = {" ".join(line.split()) for line in shown.splitlines()}
    flat = " ".join(shown.split())  # a Markdown paragraph is several text nodes
    left = []
    for english, said in i18n.catalogue(language).items():
        plain, translated = _plain(english), _plain(said)
        if not plain or plain == translated or plain in translated:
            continue
        if plain in lines or (len(plain) >= 30 and plain[:60] in flat):
            left.append(plain[:80])
    return left


def _open(browser, app_url: str, language: str, query: str = ""):
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  locale=LOCALES.get(language, "en-US"))  # fmt: skip
    page = context.new_page()
    page.goto(app_url + query)
    page.get_by_role("tab").first.wait_for()
    # The lesson bar sets the page's language once its load event has run (SET_LOCALE_JS).
    page.locator("html[data-pg-locale]").wait_for(state="attached")
    return context, page


def _tab(page, index: int):
    return page.locator("button[role=tab]").nth(index)


@pytest.mark.parametrize("language", ["es", "zh"])
def test_every_tab_shows_its_words_in_the_browsers_language(browser, app_url, language) -> None:
    context, page = _open(browser, app_url, language)
    names = [i18n.translate(TAB_NAMES[tab], language) for tab in TAB_IDS]
    # The lesson bar says its words in the language once the page's load event has run.
    expect(page.locator("#lesson-bar")).to_contain_text(
        i18n.translate("📚 Lessons: guided tours of the ideas, step by step", language)
    )
    expect(page.locator("footer")).to_contain_text(GRADIO_FOOTER[language])
    assert [_tab(page, i).inner_text().strip() for i in range(len(names))] == names
    for index, tab in enumerate(TAB_IDS):
        _tab(page, index).click()
        expect(_tab(page, index)).to_have_attribute("aria-selected", "true")
        expect(page.locator(DRAWN[tab]).first).to_be_visible()
        if tab == "tokens":  # a table header, swapped on the page
            expect(page.locator("#tokens-summary thead")).to_contain_text(
                i18n.translate("Tokenizer", language)
            )
        if tab == "text":  # a choice label (its value stays "balanced")
            expect(page.locator("#text-preset")).to_contain_text(
                i18n.translate("balanced", language)
            )
        if tab == "finetune":  # written by a handler on load, said in the page's language
            expect(page.locator("#finetune-summary")).to_contain_text(
                {"es": "para entrenar", "zh": "个用于训练"}[language]
            )
        page.evaluate(FRAMES_JS)
        left = _english_left(page.evaluate(_SHOWN_JS), language)
        assert not left, f"{tab}: English left on a {language} page: {left}"
        if tab == "text":  # a result's status line and the demo's note are said too
            page.locator("#text-preset-sure").click()
            expect(page.locator("#text-status")).to_contain_text(
                {"es": "fin: ", "zh": "结束："}[language]
            )
            expect(page.locator("#text-preset-note")).to_contain_text(
                {"es": "decodificación voraz", "zh": "贪心解码"}[language]
            )
            left = _english_left(page.evaluate(_SHOWN_JS), language)
            assert not left, f"text, after a demo: English left on a {language} page: {left}"
        if tab == "attention":  # its radios send their English values (not the words shown)
            page.locator("#attention-preset-head-arithmetic").click()
            expect(page.locator("#attention-arithmetic-summary")).to_contain_text(
                {"es": "Capa 16, cabeza 0", "zh": "第 16 层，第 0 个头"}[language]
            )
            expect(page.locator("#attention-summary")).to_contain_text(
                {"es": "30 capas × 9 cabezas", "zh": "30 层 × 9 个头"}[language]
            )
        assert_no_errors(page, f"{language} {tab}")
    screenshot(page, f"i18n-{language}-models")
    context.close()


def test_the_lesson_bar_switch_and_a_link_change_the_whole_page(browser, app_url) -> None:
    context, page = _open(browser, app_url, "en")
    expect(page.locator("footer")).to_contain_text("Use via API")
    expect(_tab(page, 1)).to_have_text("Text")
    page.locator("#lesson-bar").get_by_text("📚 Lessons", exact=False).first.click()
    page.locator("#lesson-language").get_by_text("Español", exact=True).click()
    expect(_tab(page, 1)).to_have_text("Texto")
    expect(page.locator("footer")).to_contain_text(GRADIO_FOOTER["es"])
    expect(page.locator("#view-toggle")).to_contain_text("Controles simples")
    page.locator("#lesson-language").get_by_text("English", exact=True).click()
    expect(_tab(page, 1)).to_have_text("Text")
    expect(page.locator("#view-toggle")).to_contain_text("Simple controls")
    context.close()

    context, page = _open(browser, app_url, "en", "?lang=zh")  # an English browser, a zh link
    expect(_tab(page, 1)).to_have_text("文本")
    expect(page.locator("#lesson-bar")).to_contain_text("课程")
    _tab(page, 7).click()
    expect(page.locator("#models-table thead")).to_contain_text("状态")
    screenshot(page, "i18n-zh-link")
    context.close()
