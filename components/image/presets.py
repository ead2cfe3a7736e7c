"""One-click demos of the Image tab: each ``TabPreset`` (the slug a URL names, the button's
label, what to look at) and the settings it puts into the tab's controls: an ``ImageRequest``
(and a view's own settings), set by name; what a demo does not name keeps its declared default
(models/image/request.py). The tab then runs the demo, so one click (or one link) ends on a
result. Every value was tried with the default models: the notes say what they show.
"""

from __future__ import annotations

from components.demos import TabPreset
from models.image.forward_noise import NoiseView
from models.image.guidance import PartsView
from models.image.prompt_switch import SwitchView
from models.image.request import ImageRequest

IMAGE_PRESETS = (
    TabPreset(
        "green-cat",
        "A green cat it never saw",
        "the model saw green things and cats, but never a green cat: it combines two ideas it "
        "learned separately. Below the pictures, watch one appear out of the noise.",
    ),
    TabPreset(
        "not-red",
        "A triangle, but not red",
        "the negative prompt *red* pushes every image away from red: no red triangles, "
        "whatever colour the noise started towards.",
    ),
    TabPreset(
        "no-prompt",
        "No prompt at all",
        "with an empty prompt nothing guides the model (unconditional generation): from 8 "
        "different starting noises it draws the colours and backgrounds it learned, but vaguer "
        "shapes, because no prompt pulls it towards one thing.",
    ),
)
IMAGE_DEMOS: dict[str, ImageRequest] = {
    "green-cat": ImageRequest(prompt="a green cat on a black background"),
    "not-red": ImageRequest(prompt="a triangle on black", negative_prompt="red"),
    "no-prompt": ImageRequest(prompt="", batch=8),
}


# One demo per steering view (components/image/steering_panel.py): each fills the main controls
# it reads and its view's own, opens the view and runs it.
VIEW_PRESETS = (
    TabPreset(
        "guidance-apart",
        "Guidance, taken apart",
        "each row splits one denoising step into the clean image the model predicts without the "
        "prompt, with it, and their difference; the guided mix (scale 5) pushes five times along "
        "that difference. In the early rows the two predictions differ most: that is where the "
        "prompt decides the picture.",
    ),
    TabPreset(
        "switch-prompt",
        "Change the prompt mid-way",
        "a red cat on white for the first 6 of 25 steps, then a blue square on black, from the "
        "same noise: the cat's white background stays, but the object becomes a blue square. "
        "The strip shows the order: switched after 2 steps it is all B, after 4 to 6 the "
        "background is A's, after 16 the whole cat is, because early steps fix the layout.",
    ),
    TabPreset(
        "noise-a-picture",
        "Noise a picture, as in training",
        "a green cat (a combination never in training) noised to more and more steps t, as "
        "training does, with the model's guess of the clean image from each: nearly exact at "
        "small t, only a blurry green blob (the prompt's idea of one) near t = 999.",
    ),
)
# Each view's demo: the main controls it reads (an ImageRequest) and its own (the view's settings).
GUIDANCE_DEMOS: dict[str, tuple[ImageRequest, PartsView]] = {
    "guidance-apart": (
        ImageRequest(prompt="a yellow triangle on a black background", guidance=5.0),
        PartsView(at_steps="1, 3, 6, 10, 16, 25"),
    ),
}
SWITCH_DEMOS: dict[str, tuple[ImageRequest, SwitchView]] = {
    "switch-prompt": (
        ImageRequest(prompt="a red cat on a white background"),
        SwitchView(switch_at=6, switch_points="0, 2, 4, 6, 10, 16, 25"),
    ),
}
NOISE_DEMOS: dict[str, NoiseView] = {
    "noise-a-picture": NoiseView(colour="green", background="black"),
}
