// Sets Gradio's frontend language (its svelte-i18n store) to a lesson-bar language code. Gradio
// exports `changeLocale` from its core module but puts it on no global; importing the module the
// page already loaded returns that same instance. If a Gradio update renames it, nothing changes
// (tests/browser/test_i18n.py notices). The server fills in its table of language codes.
(language) => {
    const locales = __LOCALES__;
    const locale = locales[language] || "en";
    document.documentElement.lang = locale;
    document.documentElement.dataset.pgLocale = locale;  // headers.js follows it
    const core = performance.getEntriesByType("resource").map((entry) => entry.name)
        .find((name) => /\/assets\/core-[^/]+\.js$/.test(name));
    if (core) import(core).then((module) => module.changeLocale && module.changeLocale(locale))
        .catch(() => {});
    return language;
}
