"""Text tab exports: the coloured tokens as a picture (PNG, drawn with Pillow) and as a web page
(HTML, hover a token for its probability and alternatives), and the numbers as CSV and JSON.

Plain functions of the session's token records (see components/text_view.token_records), so
they are testable without a browser or a model.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import gradio as gr
from PIL import Image, ImageDraw, ImageFont

from components import exports
from components.errors import user_errors
from components.text.plots import BUCKETS, percent, probability_bucket
from models.errors import InvalidInputError

WIDTH, MARGIN, FONT_SIZE, LINE_GAP = 1600, 40, 30, 14
TEXT_COLOUR = "#111111"


def _colour(probability: float) -> str:
    label = probability_bucket(probability)
    return next(colour for _, name, colour in BUCKETS if name == label)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font: no system font is needed (Spaces images have few).
    return ImageFont.load_default(size=size)


def token_picture(records: list[dict[str, Any]], title: str) -> Image.Image:
    """Each token on a background coloured by the probability the model gave it, wrapped to
    ``WIDTH``, with a title and a legend: readable on a slide."""
    font, small = _font(FONT_SIZE), _font(FONT_SIZE - 6)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line_height = FONT_SIZE + LINE_GAP
    placed: list[tuple[int, int, str, str]] = []  # x, line, text, colour
    x, line = MARGIN, 0
    for record in records:
        for part_index, part in enumerate(record["piece"].split("\n")):
            if part_index:  # the token contains a newline: start a new line
                x, line = MARGIN, line + 1
            if not part:
                continue
            width = int(probe.textlength(part, font=font))
            if x + width > WIDTH - MARGIN and x > MARGIN:
                x, line = MARGIN, line + 1
            placed.append((x, line, part, _colour(record["probability"])))
            x += width
    top = MARGIN + FONT_SIZE + 2 * LINE_GAP
    legend_y = top + (line + 1) * line_height + LINE_GAP
    picture = Image.new("RGB", (WIDTH, legend_y + FONT_SIZE + MARGIN), "white")
    draw = ImageDraw.Draw(picture)
    draw.text((MARGIN, MARGIN), title, fill=TEXT_COLOUR, font=font)
    for px, pline, part, colour in placed:
        y = top + pline * line_height
        width = int(draw.textlength(part, font=font))
        draw.rectangle((px, y - 4, px + width, y + FONT_SIZE + 4), fill=colour)
        draw.text((px, y), part, fill=TEXT_COLOUR, font=font)
    lx = MARGIN
    draw.text((lx, legend_y), "model's probability:", fill=TEXT_COLOUR, font=small)
    lx += int(draw.textlength("model's probability:", font=small)) + 16
    for _, label, colour in BUCKETS:
        width = int(draw.textlength(label, font=small))
        draw.rectangle((lx - 6, legend_y - 4, lx + width + 6, legend_y + FONT_SIZE), fill=colour)
        draw.text((lx, legend_y), label, fill=TEXT_COLOUR, font=small)
        lx += width + 28
    return picture


def token_page(records: list[dict[str, Any]], title: str) -> str:
    """A self-contained web page: coloured tokens, hover one for its probability and top
    alternatives (a ``title`` tooltip: no script, works anywhere)."""
    spans = []
    for index, record in enumerate(records):
        alternatives = ", ".join(f"{t} {percent(p)}" for t, p, _ in record["alternatives"][:5])
        tip = (
            f"token {index + 1}: {record['token']} · model {percent(record['probability'])} · "
            f"after sampler {percent(record['sampler_probability'])}\nalternatives: {alternatives}"
        )
        spans.append(
            f'<span style="background:{_colour(record["probability"])}" '
            f'title="{html.escape(tip)}">{html.escape(record["piece"])}</span>'
        )
    legend = " ".join(
        f'<span style="background:{colour};padding:2px 8px">{html.escape(label)}</span>'
        for _, label, colour in BUCKETS
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>"
        "body{font:22px/1.9 sans-serif;max-width:60em;margin:2em auto;color:#111}"
        ".text{white-space:pre-wrap}.text span{border-radius:4px;padding:2px 0}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Hover a token for its probability and alternatives."
        f'</p><div class="text">{"".join(spans)}</div>'
        f"<p>Model's probability: {legend}</p></body></html>"
    )


def export_text(
    records: list[dict[str, Any]] | None,
    prompt: str,
    settings: dict[str, Any],
    status: str = "",
    folder: Path | None = None,
) -> list[str]:
    """PNG, HTML, CSV (one row per token) and JSON (everything) of the last generation."""
    if not records:
        raise InvalidInputError("Nothing to export yet: generate some text first.")
    folder = folder or exports.export_dir("text")
    title = f"“{prompt.strip()[:80]}”: each token coloured by its probability"
    png = folder / "text-tokens.png"
    token_picture(records, title).save(png, optimize=True)
    page = folder / "text-tokens.html"
    page.write_text(token_page(records, title), encoding="utf-8")
    rows = [
        [
            i + 1,
            r["token"],
            f"{r['probability']:.6g}",
            f"{r['sampler_probability']:.6g}",
            " | ".join(f"{t} {p:.4g}" for t, p, _ in r["alternatives"][:5]),
        ]
        for i, r in enumerate(records)
    ]
    table = exports.write_csv(
        ["position", "token", "model_probability", "sampler_probability", "top_alternatives"],
        rows,
        folder / "text-tokens.csv",
    )
    text = "".join(r["piece"] for r in records)
    data = {"prompt": prompt, "text": text, "settings": settings, "status": status,
            "tokens": records}  # fmt: skip
    return [str(png), str(page), str(table), str(exports.write_json(data, folder / "text.json"))]


def export_row(records: Any, prompt: Any, controls: dict[str, Any], status: Any) -> None:
    """Lay out the Text tab's export button and its files, and wire them (call inside build).
    ``controls`` maps setting names to their components; their values go into the JSON."""
    with gr.Row(equal_height=True):
        button = gr.Button("Export picture (PNG), page (HTML) and data (CSV, JSON)", size="sm",
                           elem_id="text-export", scale=1)  # fmt: skip
        files = exports.files_box("text-export-files")
    names = list(controls)

    def run(token_records: Any, prompt_text: str, status_text: str, *values: Any) -> gr.File:
        settings = dict(zip(names, values, strict=True))
        return exports.shown(export_text(token_records, prompt_text, settings, status_text))

    button.click(
        user_errors(run), [records, prompt, status, *controls.values()], files,
        api_visibility="private",
    )  # fmt: skip
