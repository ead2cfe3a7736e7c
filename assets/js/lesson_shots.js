// Alt + arrows step through a lesson (ordinary keys stay with the page's text boxes).
// Keep what the step on screen shows, for the handout (components/lessons/handout.py checks it):
// a plot as Plotly draws it, a generated picture, or the text of a story, table or summary.
// Called as the class moves on and when it asks for the handout; returns everything kept so far.
async () => {
    const kept = (window.pgLessonShots = window.pgLessonShots || {});
    const now = window.pgLessonStep;
    const el = now && now.point && document.getElementById(now.point);
    try {
        const plot = el && el.querySelector('.js-plotly-plot');
        const picture = el && [...el.querySelectorAll('img')].find((i) => i.naturalWidth >= 16);
        const words = el && el.querySelector('textarea, table, .prose');
        if (plot && window.Plotly && plot.data && plot.data.length) {
            const url = await window.Plotly.toImage(plot, {format: 'png', width: 960, height: 540});
            kept[now.key] = {picture: url};
        } else if (picture) {
            const side = Math.max(256, picture.naturalWidth);
            const scale = side / picture.naturalWidth;
            const canvas = document.createElement('canvas');
            canvas.width = side;
            canvas.height = Math.round(picture.naturalHeight * scale);
            const context = canvas.getContext('2d');
            context.imageSmoothingEnabled = false;  // a 32-pixel picture stays crisp
            context.drawImage(picture, 0, 0, canvas.width, canvas.height);
            kept[now.key] = {picture: canvas.toDataURL('image/png')};
        } else if (words && words.tagName === 'TABLE') {  // rows of cells, not a cell per line
            const rows = [...words.rows].map((row) => [...row.cells].map((c) => c.innerText.trim()));
            if (rows.length) kept[now.key] = {table: rows};
        } else if (words) {
            const text = words.tagName === 'TEXTAREA' ? words.value : el.innerText;
            if (text.trim()) kept[now.key] = {text: text.trim()};
        }
    } catch (error) { /* a picture that cannot be read is left out of the handout */ }
    return JSON.stringify(kept);
}
