"""The Image tab's steering views, below the generator: guidance taken apart (with a guidance x
steps grid), changing the prompt mid-way, and forward noising as in training. Layout and wiring
only; the work is in components/image/steering_handlers.py, the math in models/image/.

Each view reads the tab's main controls (model, prompt, steps, ...) and its own, states its idea,
and shows a picture sheet, a summary and a PNG download. API: ``/guidance_parts``,
``/guidance_grid``, ``/prompt_switch`` and ``/forward_noise`` (JSON: numbers, base64 PNGs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components import exports
from components.concurrency import heavy
from components.errors import user_errors
from components.image import steering_handlers as views
from components.image.presets import GUIDANCE_VALUES, NOISE_VALUES, SWITCH_VALUES, only
from components.presenter import PresetBar, preset_values
from models.image import data as image_data
from models.image import forward_noise, guidance, prompt_switch
from models.image.request import MAX_SEED, MAX_STEPS
from models.registry import Registry
from models.zerogpu import gpu

DEFAULT_SECOND_PROMPT = "a blue square on a black background"


@dataclass(frozen=True)
class ImageControls:
    """The tab's main controls the views read (components/image/tab.py draws them)."""

    model: gr.Dropdown
    prompt: gr.Textbox
    negative: gr.Textbox
    steps: gr.Slider
    guidance: gr.Slider
    seed: gr.Number
    scheduler: gr.Dropdown

    def request(self) -> list[Any]:
        return [self.model, self.prompt, self.negative, self.steps, self.guidance, self.seed,
                self.scheduler]  # fmt: skip


def _picture(label: str, elem_id: str, height: int = 360) -> gr.Image:
    return gr.Image(label=label, type="pil", format="png", interactive=False, elem_id=elem_id,
                    height=height)  # fmt: skip


def _shown(view: views.SteeringView) -> gr.File:
    return exports.shown([view.png])


def build_steering_panel(registry: Registry, controls: ImageControls, demos: PresetBar) -> None:
    """Draw the three views and wire their buttons, API endpoints and one-click demos."""
    default_model = controls.model.value or None
    default_prompt = str(controls.prompt.value or "")

    with gr.Accordion("Guidance, taken apart", open=False, elem_id="image-guidance") as parts_box:
        gr.Markdown(
            f"{guidance.IDEA} The prompt, steps, guidance and seed are the ones above; each row "
            "is one step: what the model predicts without the prompt, with it, their difference "
            "and the guided mix, each as the clean image it implies."
        )
        with gr.Row(equal_height=True):
            at_steps = gr.Textbox(
                "", label="Steps to show", scale=3, elem_id="image-guidance-steps",
                placeholder=f"e.g. 1, 5, 10 (empty: {views.SHOWN_STEPS} steps spread over the run)",
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
            grid_guidance = gr.Textbox(views.DEFAULT_GUIDANCE_TEXT, label="Guidance values (rows)",
                                       elem_id="image-grid-guidance", scale=2)  # fmt: skip
            grid_steps = gr.Textbox(views.DEFAULT_STEPS_TEXT, label="Step counts (columns)",
                                    elem_id="image-grid-steps", scale=2)  # fmt: skip
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
        second = gr.Textbox(DEFAULT_SECOND_PROMPT, label="Prompt B (after the switch)",
                            max_length=500, elem_id="image-switch-prompt")  # fmt: skip
        with gr.Row(equal_height=True):
            switch_at = gr.Slider(0, 25, value=10, step=1, label="Switch after k steps",
                                  elem_id="image-switch-k", scale=2)  # fmt: skip
            points = gr.Textbox(
                "", label=f"Switch points for the strip (at most {prompt_switch.MAX_STRIP})",
                elem_id="image-switch-points", scale=2,
                placeholder=f"empty: {views.DEFAULT_SWITCH_TEXT}, scaled to the steps",
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
            shape = gr.Dropdown(list(image_data.SHAPES), value="cat", label="Shape")
            colour = gr.Dropdown(list(image_data.COLOURS), value="red", label="Colour")
            background = gr.Dropdown(list(image_data.BACKGROUNDS), value="white",
                                     label="Background")  # fmt: skip
            image_seed = gr.Number(0, label="Image seed", precision=0, minimum=0,
                                   maximum=MAX_SEED)  # fmt: skip
        with gr.Row(equal_height=True):
            timesteps = gr.Textbox(
                views.DEFAULT_TIMESTEPS_TEXT, scale=3, elem_id="image-noise-timesteps",
                label=f"Timesteps t (0–999, at most {forward_noise.MAX_NOISE_LEVELS})",
            )  # fmt: skip
            noise_seed = gr.Number(0, label="Noise seed", precision=0, minimum=0,
                                   maximum=MAX_SEED, scale=1)  # fmt: skip
            noise_button = gr.Button("Noise the picture", variant="primary", scale=1,
                                     elem_id="image-noise-button")  # fmt: skip
        noise_picture = _picture("Noised (top) and the model's guess (bottom)",
                                 "image-noise-sheet", 380)  # fmt: skip
        noise_summary = gr.Markdown(elem_id="image-noise-summary")
        noise_file = exports.files_box("image-noise-png", "Picture (PNG)")

    # -- the buttons ---------------------------------------------------------------------------
    @gpu
    def run_parts(*args: Any, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        view = views.guidance_parts_view(registry, *args, progress=progress)
        return view.picture, view.summary, _shown(view)

    @gpu
    def run_grid(*args: Any, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        view = views.guidance_grid_view(registry, *args, progress=progress)
        return view.picture, view.summary, _shown(view)

    @gpu
    def run_switch(*args: Any, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        model, prompt, negative, steps, scale, seed, scheduler, second, k, strip = args
        view = views.prompt_switch_view(
            registry,
            model,
            prompt,
            second,
            k,
            strip,
            negative,
            steps,
            scale,
            seed,
            scheduler,
            progress=progress,
        )
        return view.picture, view.extra, view.summary, _shown(view)

    @gpu
    def run_noise(*args: Any) -> tuple:
        view = views.forward_noise_view(registry, *args)
        return view.picture, view.summary, _shown(view)

    c = controls
    parts_event = {"fn": user_errors(run_parts), "inputs": [*c.request(), at_steps],
                   "outputs": [parts_picture, parts_summary, parts_file], **heavy()}  # fmt: skip
    grid_inputs = [c.model, c.prompt, c.negative, grid_guidance, grid_steps, c.seed, c.scheduler]
    switch_event = {"fn": user_errors(run_switch),
                    "inputs": [*c.request(), second, switch_at, points],
                    "outputs": [switch_picture, strip_picture, switch_summary, switch_file],
                    **heavy()}  # fmt: skip
    noise_event = {"fn": user_errors(run_noise),
                   "inputs": [c.model, shape, colour, background, timesteps, image_seed,
                              noise_seed],
                   "outputs": [noise_picture, noise_summary, noise_file], **heavy()}  # fmt: skip
    private = {"api_visibility": "private"}
    parts_button.click(**parts_event, **private)
    grid_button.click(
        user_errors(run_grid), grid_inputs, [grid_picture, grid_summary, grid_file], **heavy(),
        **private,
    )  # fmt: skip
    switch_button.click(**switch_event, **private)
    noise_button.click(**noise_event, **private)
    c.steps.change(_fit_switch_slider, [c.steps, switch_at], switch_at, queue=False,
                   show_progress="hidden", **private)  # fmt: skip

    # -- one-click demos: fill the controls, open the view, run it -----------------------------
    def apply_parts(slug: str) -> tuple:
        return (*preset_values(GUIDANCE_VALUES, slug), gr.Accordion(open=True))

    def apply_switch(slug: str) -> tuple:
        first, then, negative, steps, scale, seed, scheduler, k, strip = preset_values(
            SWITCH_VALUES, slug
        )
        slider = gr.Slider(maximum=steps, value=k)
        return (first, then, negative, steps, scale, seed, scheduler, slider, strip,
                gr.Accordion(open=True))  # fmt: skip

    def apply_noise(slug: str) -> tuple:
        return (*preset_values(NOISE_VALUES, slug), gr.Accordion(open=True))

    main = [c.prompt, c.negative, c.steps, c.guidance, c.seed, c.scheduler]
    only(demos, GUIDANCE_VALUES).wire(apply_parts, [*main, at_steps, parts_box], [parts_event])
    only(demos, SWITCH_VALUES).wire(
        apply_switch,
        [c.prompt, second, c.negative, c.steps, c.guidance, c.seed, c.scheduler, switch_at,
         points, switch_box],
        [switch_event],
    )  # fmt: skip
    only(demos, NOISE_VALUES).wire(
        apply_noise,
        [shape, colour, background, timesteps, image_seed, noise_seed, noise_box],
        [noise_event],
    )
    _api(registry, default_model, default_prompt)


def _fit_switch_slider(steps: Any, k: Any) -> Any:
    """k runs from 0 (prompt B throughout) to the number of steps (prompt A throughout)."""
    try:
        top = max(1, min(int(steps), MAX_STEPS))
        return gr.Slider(maximum=top, value=min(max(int(k), 0), top))
    except (TypeError, ValueError):
        return gr.skip()


def _api(registry: Registry, default_model: str | None, default_prompt: str) -> None:
    """The four views as JSON endpoints: real parameter names, the tab's defaults."""

    def model_or_default(model: Any) -> Any:
        return model if isinstance(model, str) and model.strip() else default_model

    @user_errors
    @gpu
    def guidance_parts_api(
        model: str | None = default_model, prompt: str = default_prompt,
        negative_prompt: str = "", steps: int = 25, guidance: float = 3.0, seed: int = 0,
        scheduler: str = "DPM-Solver++", at_steps: str = "", include_predictions: bool = False,
    ) -> dict:  # fmt: skip
        """Classifier-free guidance at chosen steps (at_steps "1, 5, 10"; empty: 6 spread
        steps): per step the timestep and difference scale, the sheet of pictures and the final
        image as base64 PNG; include_predictions adds the raw uncond/cond/guided outputs."""
        return views.guidance_parts_view(
            registry, model_or_default(model), prompt, negative_prompt, steps, guidance, seed,
            scheduler, at_steps, bool(include_predictions),
        ).data  # fmt: skip

    @user_errors
    @gpu
    def guidance_grid_api(
        model: str | None = default_model, prompt: str = default_prompt,
        negative_prompt: str = "", guidance_values: str = views.DEFAULT_GUIDANCE_TEXT,
        step_values: str = views.DEFAULT_STEPS_TEXT, seed: int = 0,
        scheduler: str = "DPM-Solver++",
    ) -> dict:  # fmt: skip
        """One seed over guidance scales (rows) and step counts (columns), at most 5 of each:
        every cell and the labelled sheet as base64 PNG."""
        return views.guidance_grid_view(
            registry, model_or_default(model), prompt, negative_prompt, guidance_values,
            step_values, seed, scheduler,
        ).data  # fmt: skip

    @user_errors
    @gpu
    def prompt_switch_api(
        model: str | None = default_model, prompt: str = default_prompt,
        second_prompt: str = DEFAULT_SECOND_PROMPT, switch_at: int = 10, switch_points: str = "",
        negative_prompt: str = "", steps: int = 25, guidance: float = 3.0, seed: int = 0,
        scheduler: str = "DPM-Solver++",
    ) -> dict:  # fmt: skip
        """Prompt for the first switch_at steps, then second_prompt, from the same noise; A
        alone, B alone, and a strip of switch points, each as base64 PNG with its RMS pixel
        distance to A alone and to B alone."""
        return views.prompt_switch_view(
            registry, model_or_default(model), prompt, second_prompt, switch_at, switch_points,
            negative_prompt, steps, guidance, seed, scheduler,
        ).data  # fmt: skip

    @user_errors
    @gpu
    def forward_noise_api(
        model: str | None = default_model, shape: str = "cat", colour: str = "red",
        background: str = "white", timesteps: str = views.DEFAULT_TIMESTEPS_TEXT,
        image_seed: int = 0, noise_seed: int = 0,
    ) -> dict:  # fmt: skip
        """A training-style image noised to each timestep t with the training schedule, and the
        model's guess of the clean image: per t the signal share alpha_bar and the guess's RMS
        pixel error; the sheet as base64 PNG."""
        return views.forward_noise_view(
            registry, model_or_default(model), shape, colour, background, timesteps,
            image_seed, noise_seed,
        ).data  # fmt: skip

    gr.api(guidance_parts_api, api_name="guidance_parts", **heavy())
    gr.api(guidance_grid_api, api_name="guidance_grid", **heavy())
    gr.api(prompt_switch_api, api_name="prompt_switch", **heavy())
    gr.api(forward_noise_api, api_name="forward_noise", **heavy())
