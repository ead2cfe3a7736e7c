"""Image tab: a diffusion model turning noise into an image, step by step.

Three views share one set of controls (model, prompt, negative prompt, steps, guidance, seed,
scheduler): a batch of images as a grid, the denoising steps (what the model sees and the clean
image it predicts at every step, with a slider and an animated GIF), and two prompts generated
from the same starting noise. Below them, the steering views (guidance taken apart, changing the
prompt mid-way, forward noising) live in components/image/steering_panel.py.

API: ``/generate_image`` (grid image + summary) and ``/denoising_frames`` (gallery of steps + GIF);
the steering views add ``/guidance_parts``, ``/guidance_grid``, ``/prompt_switch`` and
``/forward_noise``.
Handlers live in components/image/handlers.py; the math in models/image/diffusion.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from components import exports
from components.concurrency import SESSION_TTL, heavy
from components.demos import preset_bar, preset_values
from components.endpoints import endpoint
from components.errors import user_errors
from components.image import handlers
from components.image.presets import IMAGE_DEMOS, IMAGE_PRESETS, VIEW_PRESETS
from components.image.steering_panel import build_steering_panel
from components.tab_contract import EXPERT, BuiltTab
from components.widgets import values_for, widgets
from models.image.request import ImageRequest
from models.registry import Registry
from models.zerogpu import gpu

INTRO = (
    "A **diffusion model** starts from pure noise and removes a little of it at every step, "
    "steered by your prompt. The default model is our own: a 1.2M-parameter network trained "
    "in about 15 minutes on a 2-core CPU to draw **cats, circles, squares and triangles** in "
    "red, green, blue or yellow on a white, black or grey background (32×32 pixels, shown "
    "enlarged). It never saw a green cat, a blue circle, a yellow square or a red triangle: ask "
    "for one to see it combine ideas it learned separately."
)
PROMPT_HINT = "e.g. a yellow triangle on a black background (empty: unconditional)"
NEGATIVE_HINT = "what to steer away from, e.g. red"
EXAMPLES = [
    ["a red cat on a white background", "", 1],
    ["a green cat on a black background", "", 4],  # held out of training
    ["yellow square, grey background", "", 4],  # held out of training
    ["a picture of a blue kitten against white", "", 1],
    ["a triangle on black", "red", 4],  # the negative prompt steers away from red
]


@dataclass(frozen=True)
class DenoisingSection:
    button: gr.Button
    state: gr.State  # the frames' paths into Gradio's cache
    box: gr.Column  # hidden until there are steps to show: no empty boxes before a run
    view: gr.Image  # the animated GIF, or one step
    slider: gr.Slider
    play: gr.Button
    gif: gr.File
    gallery: gr.Gallery


def denoising_section() -> DenoisingSection:
    """The denoising steps of one image: an animation that plays by itself, a slider to stop
    at one step, every step as a gallery, and the GIF to download."""
    with gr.Accordion("Denoising, step by step", open=True, elem_classes=["image-steps"]):
        gr.Markdown(
            "Left: the noisy image the model is given at that step. Right: the clean image it "
            "predicts from it. Early predictions are blurry guesses; they sharpen as noise goes."
        )
        button = gr.Button("Show the denoising steps", elem_id="image-frames-button")
        state = gr.State([], time_to_live=SESSION_TTL)
        with gr.Column(visible=False, elem_id="image-frames-box") as box:
            view = gr.Image(
                label="Denoising (plays by itself; drag the slider to stop at one step)",
                type="filepath", interactive=False, elem_id="image-frame", height=330,
            )  # fmt: skip
            with gr.Row(equal_height=True):
                slider = gr.Slider(
                    1, 2, value=1, step=1, label="Step", interactive=False,
                    elem_id="image-frame-slider", scale=4,
                )  # fmt: skip
                play = gr.Button("▶ Play", size="sm", elem_id="image-play", scale=1)
            gallery = gr.Gallery(
                label="Every step", columns=4, height=260, elem_id="image-frames-gallery",
                object_fit="contain", interactive=False,
            )  # fmt: skip
            gif = gr.File(label="Animated GIF", elem_id="image-gif")
    return DenoisingSection(button, state, box, view, slider, play, gif, gallery)


def build(registry: Registry) -> BuiltTab:
    choices = registry.choices("text-to-image")
    default_model = registry.default("text-to-image") if choices else None
    with gr.Row(equal_height=False, elem_classes=["tab-layout"]):
        with gr.Column(scale=2, min_width=320, elem_classes=["tab-controls"]):
            gr.Markdown(INTRO, elem_classes=["image-intro", "tab-intro"])
            demos = preset_bar("image", (*IMAGE_PRESETS, *VIEW_PRESETS))
            model = gr.Dropdown(
                choices=choices,
                value=default_model,
                label="Model",
                info="Hub pipelines need the Hugging Face hub (or its cache).",
                elem_classes=[EXPERT],
            )
            # Each setting's default, range and label are declared once, beside the code that
            # reads them (models/image/request.py ImageRequest); here only how each looks.
            request = widgets(
                ImageRequest,
                only=("prompt", "negative_prompt"),
                prompt={"elem_id": "image-prompt", "placeholder": PROMPT_HINT},
                negative_prompt={"elem_classes": [EXPERT], "placeholder": NEGATIVE_HINT},
            )
            with gr.Row(elem_classes=[EXPERT]):
                request |= widgets(
                    ImageRequest, only=("steps", "guidance"), steps={"elem_id": "image-steps"}
                )
            with gr.Row(elem_classes=[EXPERT]):
                request |= widgets(
                    ImageRequest,
                    only=("scheduler", "seed", "batch"),
                    scheduler={"look": "dropdown"},
                )
            generate_button = gr.Button("Generate", variant="primary", elem_id="image-generate")
            gr.Examples(
                EXAMPLES,
                inputs=[request["prompt"], request["negative_prompt"], request["batch"]],
                label="Try these",
            )
        with gr.Column(scale=3, min_width=320, elem_classes=["tab-results"]):
            output = gr.Image(
                label="Generated images", type="pil", format="png", interactive=False,
                elem_id="image-output", height=420,
            )  # fmt: skip
            summary = gr.Markdown(elem_id="image-summary", label="Summary")
            with gr.Row(equal_height=True):
                export_button = gr.Button(
                    "Export picture (PNG) and settings (JSON)", size="sm", elem_id="image-export"
                )
                export_files = exports.files_box("image-export-files")
            steps_view = denoising_section()
            frames_button, frames_state, frames_box = (
                steps_view.button,
                steps_view.state,
                steps_view.box,
            )
            frame_view, frame_slider, play = steps_view.view, steps_view.slider, steps_view.play
            gif, frames_gallery = steps_view.gif, steps_view.gallery

    with gr.Accordion(
        "Same noise, two prompts", open=False, elem_classes=["image-compare", EXPERT]
    ):
        gr.Markdown(
            "Both images start from exactly the same random noise (same seed); only the prompt "
            "differs, so every difference comes from the text."
        )
        second_prompt = gr.Textbox(
            label="Second prompt", value="a blue square on a white background"
        )
        compare_button = gr.Button("Compare", elem_id="image-compare-button")
        with gr.Row():
            first_image = gr.Image(label="Prompt", type="pil", interactive=False, height=280)
            second_image = gr.Image(
                label="Second prompt", type="pil", interactive=False, height=280
            )

    build_steering_panel(registry, model, request, demos)

    # Named parameters with defaults: API callers can pass just ``prompt=`` (README examples).
    @gpu
    def run_generate(
        model: str | None = default_model,
        *,
        request: ImageRequest,
        progress: gr.Progress = gr.Progress(),  # noqa: B008  (gradio's progress idiom)
    ) -> Any:
        return handlers.generate_images(registry, model, request, progress=progress)

    @gpu
    def run_frames(
        model: str | None = default_model,
        *,
        request: ImageRequest,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Any:
        return handlers.denoising_frames(registry, model, request, progress=progress)

    @gpu
    def run_compare(
        model: str | None,
        second_prompt: str,
        *,
        request: ImageRequest,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Any:
        return handlers.compare_prompts(registry, model, request, second_prompt, progress=progress)

    # /denoising_frames draws one image: every setting but the batch size
    one_image = tuple(name for name in ImageRequest.declared() if name != "batch")
    generate = user_errors(endpoint(run_generate, request=ImageRequest))
    frames = user_errors(endpoint(run_frames, request=(ImageRequest, one_image)))
    request = {name: request[name] for name in ImageRequest.declared()}  # the declared order
    generate_inputs = {"model": model, **request}
    frames_inputs = {"model": model, **{name: request[name] for name in one_image}}
    generate_button.click(
        generate,
        inputs_kwargs=generate_inputs,
        outputs=[output, summary],
        api_name="generate_image",
        **heavy(),
        api_description="Generate a grid of images: model, prompt, negative prompt, steps, "
        "guidance, seed, scheduler, batch size.",
    )
    request["prompt"].submit(
        generate,
        inputs_kwargs=generate_inputs,
        outputs=[output, summary],
        api_visibility="private",
        **heavy(),
    )
    frames_button.click(
        frames,
        inputs_kwargs=frames_inputs,
        outputs=[frames_gallery, gif],
        api_name="denoising_frames",
        **heavy(),
        api_description="Every denoising step of one image (noisy input | predicted clean "
        "image) as a gallery, plus an animated GIF.",
    ).success(
        _frames_loaded,
        inputs=[frames_gallery, gif],
        outputs=[frames_state, frame_slider, frame_view, frames_box],
        api_visibility="private",
    )
    play.click(_play, gif, frame_view, api_visibility="private", queue=False)
    frame_slider.input(
        _show_frame,
        inputs=[frames_state, frame_slider],
        outputs=frame_view,
        api_visibility="private",
        show_progress="hidden",
    )
    compare_button.click(
        user_errors(endpoint(run_compare, request=(ImageRequest, one_image))),
        inputs_kwargs={**frames_inputs, "second_prompt": second_prompt},
        outputs=[first_image, second_image],
        api_visibility="private",
        **heavy(),
    )

    def run_export(picture: Any, text_summary: str, model: str, **values: Any) -> gr.File:
        settings = {"model": model, **values}
        return exports.shown(handlers.export_image(picture, settings, text_summary))

    export_button.click(
        user_errors(run_export),
        inputs_kwargs={"picture": output, "text_summary": summary, **generate_inputs},
        outputs=export_files,
        api_visibility="private",
    )

    # One-click demos: fill the controls by name, generate the grid, then record the steps.
    def apply_demo(slug: str) -> dict[Any, Any]:
        return values_for(request, preset_values(IMAGE_DEMOS, slug))

    demos.only(IMAGE_DEMOS).wire(
        apply_demo,
        list(request.values()),
        then=[
            {"fn": generate, "inputs_kwargs": generate_inputs, "outputs": [output, summary],
             **heavy()},
            {"fn": frames, "inputs_kwargs": frames_inputs, "outputs": [frames_gallery, gif],
             **heavy()},
            {"fn": _frames_loaded, "inputs": [frames_gallery, gif],
             "outputs": [frames_state, frame_slider, frame_view, frames_box]},
        ],
    )  # fmt: skip
    return BuiltTab(presets=demos)


def _frames_loaded(
    gallery: list[Any] | None, gif: Any
) -> tuple[list[str], dict[str, Any], Any, dict[str, Any]]:
    """Keep the frame files for scrubbing, size the slider to them, and play the animation."""
    paths = [_path_of(item) for item in gallery or []]
    if not paths:
        return [], gr.Slider(interactive=False), None, gr.Column(visible=False)
    slider = gr.Slider(minimum=1, maximum=len(paths), value=1, step=1, interactive=True)
    return paths, slider, _play(gif), gr.Column(visible=True)


def _play(gif: Any) -> str | None:
    """The animated GIF in the step view (a browser plays a GIF by itself, in a loop)."""
    path = _path_of(gif) if gif else ""
    return path if path and Path(path).is_file() else None


def _show_frame(paths: list[str], index: Any) -> str | None:
    if not paths:
        return None
    try:
        position = int(index)
    except (TypeError, ValueError):
        position = 1
    path = paths[min(max(position, 1), len(paths)) - 1]
    # Gradio's cache drops files after an hour (app.py DELETE_CACHE): show nothing, not an error.
    return path if Path(path).is_file() else None


def _path_of(item: Any) -> str:
    """A gallery item's file path (gradio gives (path, caption) tuples or image data dicts)."""
    if isinstance(item, tuple | list):
        item = item[0]
    if isinstance(item, dict):
        item = item.get("image", item)
        if isinstance(item, dict):
            item = item.get("path")
    return str(item)
