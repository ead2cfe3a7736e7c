"""The Image tab's steering views, below the generator: guidance taken apart (with a guidance x
steps grid), changing the prompt mid-way, and forward noising as in training. Layout and wiring
only; the work is in components/image/steering_handlers.py, the math in models/image/.

Each view reads the tab's main controls (model, prompt, steps, ...) and its own, states its idea,
and shows a picture sheet, a summary and a PNG download. API: ``/guidance_parts``,
``/guidance_grid``, ``/prompt_switch`` and ``/forward_noise`` (JSON: numbers, base64 PNGs).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from components import exports
from components.concurrency import heavy
from components.demos import PresetBar, preset_values
from components.endpoints import endpoint
from components.errors import user_errors
from components.image import steering_handlers as views
from components.image.presets import GUIDANCE_DEMOS, NOISE_DEMOS, SWITCH_DEMOS
from components.widgets import values_for, widgets
from models.image import forward_noise, guidance, prompt_switch
from models.image.forward_noise import NoiseView
from models.image.guidance import SHOWN_STEPS, GridView, PartsView
from models.image.prompt_switch import SwitchView
from models.image.request import MAX_STEPS, ImageRequest
from models.registry import Registry
from models.zerogpu import gpu


def _picture(label: str, elem_id: str, height: int = 360) -> gr.Image:
    return gr.Image(label=label, type="pil", format="png", interactive=False, elem_id=elem_id,
                    height=height)  # fmt: skip


def _shown(view: views.SteeringView) -> gr.File:
    return exports.shown([view.png])


def build_steering_panel(
    registry: Registry, model: gr.Dropdown, request: dict[str, gr.Component], demos: PresetBar
) -> None:
    """Draw the three views and wire their buttons, API endpoints and one-click demos;
    ``request`` are the tab's ImageRequest widgets by name (the views read them)."""
    default_model = model.value or None

    with gr.Accordion("Guidance, taken apart", open=False, elem_id="image-guidance") as parts_box:
        gr.Markdown(
            f"{guidance.IDEA} The prompt, steps, guidance and seed are the ones above; each row "
            "is one step: what the model predicts without the prompt, with it, their difference "
            "and the guided mix, each as the clean image it implies."
        )
        with gr.Row(equal_height=True):
            parts = widgets(
                PartsView, only=("at_steps",),
                at_steps={"scale": 3, "elem_id": "image-guidance-steps",
                          "placeholder": f"e.g. 1, 5, 10 (empty: {SHOWN_STEPS} steps spread "
                                         "over the run)"},
            )  # fmt: skip
            parts_button = gr.Button("Take guidance apart", variant="primary", scale=1,
                                     elem_id="image-guidance-button")  # fmt: skip
        parts_picture = _picture("Guidance, step by step", "image-guidance-sheet", 480)
        parts_summary = gr.Markdown(elem_id="image-guidance-summary")
        parts_file = exports.files_box("image-guidance-png", "Picture (PNG)")
        gr.Markdown(
            "#### Guidance × steps, one seed\nThe same prompt and seed for every cell; rows are "
            f"guidance scales, columns step counts (at most {guidance.MAX_GRID_SIDE} of each)."
        )
        with gr.Row(equal_height=True):
            grid = widgets(
                GridView,
                guidance_values={"elem_id": "image-grid-guidance", "scale": 2},
                step_values={"elem_id": "image-grid-steps", "scale": 2},
            )
            grid_button = gr.Button("Make the grid", scale=1, elem_id="image-grid-button")
        grid_picture = _picture("Guidance × steps", "image-grid-sheet", 420)
        grid_summary = gr.Markdown(elem_id="image-grid-summary")
        grid_file = exports.files_box("image-grid-png", "Grid (PNG)")

    with gr.Accordion("Change the prompt mid-way", open=False,
                      elem_id="image-switch") as switch_box:  # fmt: skip
        gr.Markdown(
            f"{prompt_switch.IDEA} Prompt A is the prompt above; both runs start from the same "
            "noise (the seed above)."
        )
        switch = widgets(SwitchView, only=("second_prompt",),
                         second_prompt={"elem_id": "image-switch-prompt"})  # fmt: skip
        with gr.Row(equal_height=True):
            switch |= widgets(
                SwitchView, only=("switch_at", "switch_points"),
                switch_at={"elem_id": "image-switch-k", "scale": 2},
                switch_points={"elem_id": "image-switch-points", "scale": 2,
                               "placeholder": f"empty: {views.DEFAULT_SWITCH_TEXT}, scaled to "
                                              "the steps"},
            )  # fmt: skip
            switch_button = gr.Button("Switch the prompt", variant="primary", scale=1,
                                      elem_id="image-switch-button")  # fmt: skip
        switch_picture = _picture("A only, switched at k, B only", "image-switch-sheet", 200)
        strip_picture = _picture("Switch points", "image-switch-strip", 170)
        switch_summary = gr.Markdown(elem_id="image-switch-summary")
        switch_file = exports.files_box("image-switch-png", "Pictures (PNG)")

    with gr.Accordion("Forward noising, as in training", open=False,
                      elem_id="image-noise") as noise_box:  # fmt: skip
        gr.Markdown(
            f"{forward_noise.IDEA} The image is drawn by the training data's own code; the "
            "model's guess is conditioned on its caption."
        )
        with gr.Row(equal_height=True):
            noise = widgets(
                NoiseView, only=("shape", "colour", "background", "image_seed"),
                shape={"look": "dropdown"}, colour={"look": "dropdown"},
                background={"look": "dropdown"},
            )  # fmt: skip
        with gr.Row(equal_height=True):
            noise |= widgets(
                NoiseView, only=("timesteps", "noise_seed"),
                timesteps={"scale": 3, "elem_id": "image-noise-timesteps"},
                noise_seed={"scale": 1},
            )  # fmt: skip
            noise_button = gr.Button("Noise the picture", variant="primary", scale=1,
                                     elem_id="image-noise-button")  # fmt: skip
        noise_picture = _picture("Noised (top) and the model's guess (bottom)",
                                 "image-noise-sheet", 380)  # fmt: skip
        noise_summary = gr.Markdown(elem_id="image-noise-summary")
        noise_file = exports.files_box("image-noise-png", "Picture (PNG)")

    # -- the buttons ---------------------------------------------------------------------------
    @gpu
    def run_parts(
        model: str | None = default_model,
        *,
        request: ImageRequest,
        view: PartsView,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Any:
        shown = views.guidance_parts_view(registry, model, request, view, progress=progress)
        return shown.picture, shown.summary, _shown(shown)

    @gpu
    def run_grid(
        model: str | None = default_model,
        *,
        request: ImageRequest,
        view: GridView,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Any:
        shown = views.guidance_grid_view(registry, model, request, view, progress=progress)
        return shown.picture, shown.summary, _shown(shown)

    @gpu
    def run_switch(
        model: str | None = default_model,
        *,
        request: ImageRequest,
        view: SwitchView,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Any:
        shown = views.prompt_switch_view(registry, model, request, view, progress=progress)
        return shown.picture, shown.extra, shown.summary, _shown(shown)

    @gpu
    def run_noise(model: str | None = default_model, *, view: NoiseView) -> Any:
        shown = views.forward_noise_view(registry, model, view)
        return shown.picture, shown.summary, _shown(shown)

    one_image = tuple(name for name in ImageRequest.declared() if name != "batch")
    for_grid = ("prompt", "negative_prompt", "seed", "scheduler")  # its own steps and guidance
    main = {"model": model, **{name: request[name] for name in one_image}}
    parts_event = {
        "fn": user_errors(endpoint(run_parts, request=(ImageRequest, one_image),
                                   view=(PartsView, ("at_steps",)))),
        "inputs_kwargs": {**main, **parts},
        "outputs": [parts_picture, parts_summary, parts_file], **heavy(),
    }  # fmt: skip
    switch_event = {
        "fn": user_errors(endpoint(run_switch, request=(ImageRequest, one_image),
                                   view=SwitchView)),
        "inputs_kwargs": {**main, **switch},
        "outputs": [switch_picture, strip_picture, switch_summary, switch_file], **heavy(),
    }  # fmt: skip
    noise_event = {
        "fn": user_errors(endpoint(run_noise, view=NoiseView)),
        "inputs_kwargs": {"model": model, **noise},
        "outputs": [noise_picture, noise_summary, noise_file], **heavy(),
    }  # fmt: skip
    private = {"api_visibility": "private"}
    parts_button.click(**parts_event, **private)
    grid_button.click(
        user_errors(endpoint(run_grid, request=(ImageRequest, for_grid), view=GridView)),
        inputs_kwargs={"model": model, **{name: request[name] for name in for_grid}, **grid},
        outputs=[grid_picture, grid_summary, grid_file], **heavy(), **private,
    )  # fmt: skip
    switch_button.click(**switch_event, **private)
    noise_button.click(**noise_event, **private)
    request["steps"].change(
        _fit_switch_slider, [request["steps"], switch["switch_at"]], switch["switch_at"],
        queue=False, show_progress="hidden", **private,
    )  # fmt: skip

    # -- one-click demos: fill the controls by name, open the view, run it ---------------------
    def apply_parts(slug: str) -> dict[Any, Any]:
        settings, view = preset_values(GUIDANCE_DEMOS, slug)
        return {**values_for(request, settings), **values_for(parts, view),
                parts_box: gr.Accordion(open=True)}  # fmt: skip

    def apply_switch(slug: str) -> dict[Any, Any]:
        settings, view = preset_values(SWITCH_DEMOS, slug)
        slider = gr.Slider(maximum=settings.steps, value=view.switch_at)
        return {**values_for(request, settings), **values_for(switch, view),
                switch["switch_at"]: slider, switch_box: gr.Accordion(open=True)}  # fmt: skip

    def apply_noise(slug: str) -> dict[Any, Any]:
        return {**values_for(noise, preset_values(NOISE_DEMOS, slug)),
                noise_box: gr.Accordion(open=True)}  # fmt: skip

    demos.only(GUIDANCE_DEMOS).wire(
        apply_parts, [*request.values(), *parts.values(), parts_box], [parts_event]
    )
    demos.only(SWITCH_DEMOS).wire(
        apply_switch, [*request.values(), *switch.values(), switch_box], [switch_event]
    )
    demos.only(NOISE_DEMOS).wire(apply_noise, [*noise.values(), noise_box], [noise_event])
    _api(registry, default_model)


def _fit_switch_slider(steps: Any, k: Any) -> Any:
    """k runs from 0 (prompt B throughout) to the number of steps (prompt A throughout)."""
    try:
        top = max(1, min(int(steps), MAX_STEPS))
        return gr.Slider(maximum=top, value=min(max(int(k), 0), top))
    except (TypeError, ValueError):
        return gr.skip()


def _api(registry: Registry, default_model: str | None) -> None:
    """The four views as JSON endpoints: the settings' own names and declared defaults."""

    def model_or_default(model: Any) -> Any:
        return model if isinstance(model, str) and model.strip() else default_model

    @gpu
    def guidance_parts_api(
        model: str | None = default_model, *, request: ImageRequest, view: PartsView
    ) -> dict:
        """Classifier-free guidance at chosen steps (at_steps "1, 5, 10"; empty: 6 spread
        steps): per step the timestep and difference scale, the sheet of pictures and the final
        image as base64 PNG; include_predictions adds the raw uncond/cond/guided outputs."""
        return views.guidance_parts_view(registry, model_or_default(model), request, view).data

    @gpu
    def guidance_grid_api(
        model: str | None = default_model, *, request: ImageRequest, view: GridView
    ) -> dict:
        """One seed over guidance scales (rows) and step counts (columns), at most 5 of each:
        every cell and the labelled sheet as base64 PNG."""
        return views.guidance_grid_view(registry, model_or_default(model), request, view).data

    @gpu
    def prompt_switch_api(
        model: str | None = default_model, *, request: ImageRequest, view: SwitchView
    ) -> dict:
        """Prompt for the first switch_at steps, then second_prompt, from the same noise; A
        alone, B alone, and a strip of switch points, each as base64 PNG with its RMS pixel
        distance to A alone and to B alone."""
        return views.prompt_switch_view(registry, model_or_default(model), request, view).data

    @gpu
    def forward_noise_api(model: str | None = default_model, *, view: NoiseView) -> dict:
        """A training-style image noised to each timestep t with the training schedule, and the
        model's guess of the clean image: per t the signal share alpha_bar and the guess's RMS
        pixel error; the sheet as base64 PNG."""
        return views.forward_noise_view(registry, model_or_default(model), view).data

    one_image = tuple(name for name in ImageRequest.declared() if name != "batch")
    for_grid = ("prompt", "negative_prompt", "seed", "scheduler")
    endpoints = {
        "guidance_parts": endpoint(guidance_parts_api, request=(ImageRequest, one_image),
                                   view=PartsView),
        "guidance_grid": endpoint(guidance_grid_api, request=(ImageRequest, for_grid),
                                  view=GridView),
        "prompt_switch": endpoint(prompt_switch_api, request=(ImageRequest, one_image),
                                  view=SwitchView),
        "forward_noise": endpoint(forward_noise_api, view=NoiseView),
    }  # fmt: skip
    for name, fn in endpoints.items():
        gr.api(user_errors(fn), api_name=name, **heavy())
