// Swap table headers, and tab names, into the page's language. Gradio's frontend draws neither
// for a language chosen after load (a tab's name follows only once its tab has been shown), so
// each text is traced back to its English (any language's translation maps back) and said in the
// language now set; a MutationObserver catches tables drawn later. Only text is set.
// The server fills in the words: {Gradio locale: {English: translation}}, one-line entries.
() => {
    const words = __WORDS__;
    const english = {};
    for (const table of Object.values(words))
        for (const [key, said] of Object.entries(table)) english[said.trim()] = key;
    let queued = false;
    const say = () => {
        queued = false;
        const locale = document.documentElement.dataset.pgLocale;
        if (!locale) return;  // until the lesson bar has said which (Gradio's first guess stands)
        const table = words[locale] || {};
        for (const cell of document.querySelectorAll('thead th, thead td, button[role=tab]')) {
            const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            while (walk.nextNode()) {
                const node = walk.currentNode;
                const shown = node.nodeValue.trim();
                if (!shown) continue;
                const key = english[shown] || shown;
                const wanted = (table[key] || key).trim();
                if (shown !== wanted) node.nodeValue = node.nodeValue.replace(shown, wanted);
            }
        }
    };
    const soon = () => { if (!queued) { queued = true; requestAnimationFrame(say); } };
    new MutationObserver(soon).observe(document.body,
        {subtree: true, childList: true, characterData: true});
    new MutationObserver(soon).observe(document.documentElement, {attributes: true,
        attributeFilter: ['data-pg-locale']});
    soon();
}
