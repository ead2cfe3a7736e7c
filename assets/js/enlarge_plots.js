// Presenter mode also enlarges every plot's text (ticks, legends, titles, colour bars) to at least
// 16 px: plots are drawn by plotly.js in the page, so this runs there, on each new figure too
// (Gradio redraws a plot with Plotly.react, which brings back the figure's own sizes). Leaving
// presenter mode puts each figure's own layout back.
() => {
    const BIG = {base: 18, title: 22, tick: 16, legend: 17};
    const presenting = () => document.body.classList.contains('pg-presenter');
    const copy = (value) => JSON.parse(JSON.stringify(value === undefined ? null : value));
    function enlarge(gd, Plotly) {
        gd._pgOriginal = {layout: copy(gd.layout), bars: gd.data.map((t) => copy(t.colorbar))};
        const update = {'font.size': BIG.base, 'title.font.size': BIG.title,
                        'legend.font.size': BIG.legend, 'hoverlabel.font.size': BIG.tick};
        for (const key of Object.keys(gd.layout)) {
            if (/^[xy]axis[0-9]*$/.test(key)) {
                update[key + '.tickfont.size'] = BIG.tick;
                update[key + '.title.font.size'] = BIG.base;
            }
        }
        (gd.layout.annotations || []).forEach((_, i) => {
            update['annotations[' + i + '].font.size'] = BIG.base;
        });
        Plotly.relayout(gd, update);
        const bars = gd.data.map((t, i) => i).filter((i) => gd.data[i].colorbar !== undefined
            || ['heatmap', 'contour', 'histogram2d'].includes(gd.data[i].type));
        if (bars.length) Plotly.restyle(gd, {'colorbar.tickfont.size': BIG.tick,
                                             'colorbar.title.font.size': BIG.base}, bars);
    }
    function restore(gd, Plotly) {
        const saved = gd._pgOriginal;
        gd._pgOriginal = null;
        saved.bars.forEach((bar, i) => { if (gd.data[i]) gd.data[i].colorbar = bar || undefined; });
        Plotly.react(gd, gd.data, saved.layout);
    }
    setInterval(() => {
        const Plotly = window.Plotly;
        if (!Plotly) return;
        for (const gd of document.querySelectorAll('.js-plotly-plot')) {
            if (!gd.layout || !gd.data) continue;
            const size = gd.layout.font && gd.layout.font.size;
            if (presenting() && size !== BIG.base) enlarge(gd, Plotly);
            else if (!presenting() && gd._pgOriginal && size === BIG.base) restore(gd, Plotly);
        }
    }, 300);
}
