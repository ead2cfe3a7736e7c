"""The Image tab's event handlers: plain functions, testable without a browser.

Each takes a checked ``ImageRequest`` (the tab's endpoint checks the widgets' values into one,
components/endpoints.py), asks the registry for the model, runs models/image/diffusion.py and
returns what the components show. Errors a user can fix arrive as
``InvalidInputError``/``ModelUnavailableError``; ``user_errors`` (in components/image/tab.py) turns
them into messages.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from PIL import Image

from components import exports
from components.eta import Progress, counted
from components.safe_text import inline_code
from models.errors import InvalidInputError
from models.image.data import unseen_words
from models.image.diffusion import OwnDiffusionModel, generate, same_noise_pair
from models.image.frames import animated_gif, frame_pair, grid, upscale
from models.image.request import GenerationResult, ImageRequest
from models.registry import Registry
from models.scratch import new_folder
from models.sentences import paragraphs, sentence

UNCONDITIONAL_NOTE = sentence(
    "Empty prompt: this is **unconditional** generation. No text guides the model, so it draws "
    "whatever it learned to draw."
)


def image_model(registry: Registry, name: Any) -> Any:
    if not isinstance(name, str) or not name:
        raise InvalidInputError(sentence("Pick an image model from the list."))
    return registry.load(name, kind="text-to-image")


def _summary(
    request: ImageRequest, result: GenerationResult, seconds: float, own_model: bool = False
) -> str:
    facts = {"steps": request.steps, "scheduler": request.scheduler,
             "guidance": f"{request.guidance:g}", "seed": request.seed,
             "seconds": f"{seconds:.2f}"}  # fmt: skip
    if len(result.images) == 1:
        line = sentence(
            "1 image · {steps} {scheduler} steps · guidance {guidance} · seed {seed} · {seconds} s",
            **facts,
        )
    else:
        line = sentence(
            "{n} images · {steps} {scheduler} steps · guidance {guidance} · seed {seed} · "
            "{seconds} s",
            n=len(result.images), **facts,
        )  # fmt: skip
    if result.unconditional:
        return paragraphs(UNCONDITIONAL_NOTE, line)
    unseen = unseen_words(request.prompt) if own_model else []
    if not unseen:
        return line
    return paragraphs(
        line,
        sentence(
            "⚠️ Our model never saw these words in training: {words}. It only knows cats, "
            "circles, squares and triangles in red, green, blue or yellow on white, black or "
            "grey, so it draws from the words it knows; use those words to steer it.",
            words=", ".join(inline_code(word, 30) for word in unseen[:8]),
        ),
    )


def generate_images(
    registry: Registry,
    model: Any,
    request: ImageRequest,
    progress: Progress | None = None,
) -> tuple[Image.Image, str]:
    """A grid of ``request.batch`` images for its prompt, and a one-line summary of how it was
    made."""
    loaded = image_model(registry, model)
    started = time.perf_counter()
    result = generate(loaded, request, on_step=counted(progress, "Denoising"))
    seconds = time.perf_counter() - started
    own = isinstance(loaded, OwnDiffusionModel)
    return grid(result.images), _summary(request, result, seconds, own)


def denoising_frames(
    registry: Registry,
    model: Any,
    request: ImageRequest,
    progress: Progress | None = None,
) -> tuple[list[tuple[Image.Image, str]], str]:
    """One picture per denoising step (noisy input | predicted clean image) and an animated GIF
    of them (a file path), for one image."""
    result = generate(
        image_model(registry, model),
        replace(request, batch=1),
        on_step=counted(progress, "Recording steps"),
        keep_frames=True,
    )
    total = len(result.frames)
    pictures = [
        (
            frame_pair(frame.noisy, frame.predicted_clean, f"step {frame.step}/{total}"),
            f"{frame.step}/{total} · t={frame.timestep:.0f}",
        )
        for frame in result.frames
    ]
    final = upscale(result.images[0])
    pictures.append((frame_pair(result.images[0], None, "final image"), "final image"))
    gif = animated_gif([picture for picture, _ in pictures[:-1]] + [_pad_to(final, pictures[0][0])])
    path = new_folder("denoising") / "denoising.gif"  # pruned by age and count
    path.write_bytes(gif)
    return pictures, str(path)


def _pad_to(picture: Image.Image, like: Image.Image) -> Image.Image:
    """``picture`` centred on a white canvas the size of ``like`` (GIF frames share one size)."""
    canvas = Image.new("RGB", like.size, "white")
    canvas.paste(picture, ((like.width - picture.width) // 2, like.height - picture.height))
    return canvas


def compare_prompts(
    registry: Registry,
    model: Any,
    request: ImageRequest,
    second_prompt: Any,
    progress: Progress | None = None,
) -> tuple[Image.Image, Image.Image]:
    """The request's prompt and ``second_prompt`` generated from the very same starting noise,
    side by side."""
    on_step = counted(progress, "Same noise, two prompts")
    first, second = same_noise_pair(
        image_model(registry, model), replace(request, batch=1), second_prompt, on_step=on_step
    )
    return upscale(first.images[0]), upscale(second.images[0])


def export_image(
    picture: Image.Image | None, settings: dict[str, Any], summary: str = ""
) -> list[str]:
    """The generated grid as PNG and how it was made (model, prompt, seed, ...) as JSON, so the
    same picture can be made again; the denoising GIF has its own download."""
    if picture is None:
        raise InvalidInputError("Nothing to export yet: press Generate first.")
    folder = exports.export_dir("image")
    stem = exports.slug(str(settings.get("prompt") or "unconditional"), "image")
    png = folder / f"{stem}.png"
    picture.save(png, optimize=True)
    data = {**settings, "summary": summary, "width": picture.width, "height": picture.height}
    return [str(png), str(exports.write_json(data, folder / f"{stem}.json"))]
