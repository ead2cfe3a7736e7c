// Point plotly's own toImage button at a filename and scale, then press it. The button exists
// (hidden until hover) on every gr.Plot with a plotly figure.
() => {
    const plot = document.querySelector('#__ELEM_ID__ .js-plotly-plot');
    if (!plot || !plot._context) return;
    plot._context.toImageButtonOptions =
        {format: 'png', filename: '__FILENAME__', scale: __SCALE__};
    const button = plot.querySelector('.modebar-btn[data-title^="Download plot"]');
    if (button) button.click();
}
