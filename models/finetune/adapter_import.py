"""Bring back an adapter: read a LoRA adapter zip exported earlier (models/finetune/export.py, or
any peft adapter saved with safetensors) into a ``TrainedAdapter`` that works wherever a freshly
trained one does (tuned generation, before/after comparisons, the drift view, export again).

A zip comes from anyone on a shared server, so it is read as hostile:
- never unpacked to disk and never unpickled: the JSON is parsed, the weights are read with
  safetensors from memory; ``.bin``/``.pt``/``.pkl`` members are refused with the reason;
- bounded: the zip's size, its table of contents (checked before Python's zipfile parses it,
  so a zip listing a million tiny entries costs nothing), the number of members, each member's
  declared and actual size (a zip bomb stops at the cap), the config's size, the weights'
  header (its byte length and tensor count, against the most a LoRA adapter for the base model
  holds, before safetensors parses it);
- names checked: no absolute paths, ``..``, backslashes, drive letters, links or encryption; only
  the files an adapter has, at the top or in one folder;
- the config must be LoRA for a causal LM on a base model this server's registry holds, with
  target modules the playground trains; the weights must be finite and fit that base model
  exactly (every key and shape its config implies, nothing else).

The adapter's history (losses, held-out curve, kept step) comes back from ``training.json`` when
the zip has one; a missing or unreadable one only costs the history.

Not here: writing the zip (models/finetune/export.py), the session slot (the handler's).
"""

from __future__ import annotations

import json
import math
import stat
import struct
import zipfile
from collections.abc import Callable, Collection
from dataclasses import fields
from pathlib import Path, PurePosixPath
from typing import Any

from models.errors import InvalidInputError
from models.finetune.settings import TrainedAdapter
from models.finetune.training import TARGET_MODULES, LoraBench, bench_for
from models.registry import Registry
from models.sentences import sentence

MAX_ZIP_BYTES = 50_000_000  # the server's upload limit (components/serving.py max_file_size)
MAX_WEIGHTS_BYTES = 64_000_000  # rank 64 on the top 24 of SmolLM2's 30 layers still fits
MAX_TEXT_BYTES = 256_000  # adapter_config.json, training.json, README.md
MAX_MEMBERS = 8
MAX_DIRECTORY_BYTES = 64_000  # the zip's table of contents: a few hundred bytes for an adapter
# The weights' header (safetensors: 8 bytes of little-endian length, then JSON) is checked against
# the adapter the config describes on its base model before anything parses it: a header listing
# 500,000 empty tensors (42 MB, 1.3 MB zipped) took safetensors 15-48 s to refuse while the
# fine-tuning queue waited. A LoRA adapter holds 2 matrices per targeted module per layer
# (lora_tensors); peft's header entry for one is about 130 bytes.
TENSOR_MARGIN = 8  # tensors beyond the most the base model's adapter holds
HEADER_BYTES_PER_TENSOR = 256
HEADER_SLACK = 4096  # peft's metadata ({"format": "pt"}) and alignment
FALLBACK_LAYERS = 128  # the base's depth when the caller does not give it (read_adapter_zip alone)
WEIGHTS = "adapter_model.safetensors"
CONFIG = "adapter_config.json"
HISTORY = "training.json"
ALLOWED = {CONFIG, WEIGHTS, HISTORY, "README.md"}
PICKLED = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz")
UNSUPPORTED = {  # LoraConfig options whose non-default values the playground cannot run
    "use_dora": False,
    "modules_to_save": None,
    "layer_replication": None,
    "bias": "none",
    "fan_in_fan_out": False,
}
FIX = "upload the lora-adapter.zip that the Fine-tune tab's export gave you"


def load_adapter(registry: Registry, path: str | Path) -> TrainedAdapter:
    """The adapter in the zip at ``path``, checked against the registry's causal LMs and against
    the weights of the base model it names (loading that model if needed)."""

    def depth(base: str) -> int:
        return int(registry.load(base, kind="causal-lm").model.config.num_hidden_layers)

    adapter = read_adapter_zip(path, registry.names("causal-lm"), depth)
    check_fits(bench_for(registry.load(adapter.base_model, kind="causal-lm")), adapter)
    return adapter


def read_adapter_zip(
    path: str | Path,
    known_models: Collection[str],
    base_layers: Callable[[str], int] | None = None,
) -> TrainedAdapter:
    """Parse and check the zip: names, sizes, config, weights, history. ``base_layers`` gives a
    base model's number of layers, which bounds the weights' header (without it, a generous
    ``FALLBACK_LAYERS``); nothing else needs a model."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No adapter file was received: {FIX}.")
    size = path.stat().st_size
    if size > MAX_ZIP_BYTES:
        raise InvalidInputError(
            f"The file is {size / 1e6:.0f} MB; an adapter zip may be at most "
            f"{MAX_ZIP_BYTES / 1e6:.0f} MB: train with a lower rank or fewer layers."
        )
    check_directory(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InvalidInputError(f"The file is not a zip archive: {FIX}.") from None
    with archive:
        members = checked_members(archive)
        config = parse_config(read_member(archive, members[CONFIG], MAX_TEXT_BYTES), known_models)
        base = str(config["base_model_name_or_path"])
        layers = base_layers(base) if base_layers is not None else FALLBACK_LAYERS
        weights = read_member(archive, members[WEIGHTS], MAX_WEIGHTS_BYTES)
        check_header(weights, base, lora_tensors(layers))
        state = parse_weights(weights)
        adapter = TrainedAdapter(state, config, str(config.pop("base_model_name_or_path")))
        adapter.notes.append(f"Loaded from {path.name}.")
        if HISTORY in members:
            restore_history(adapter, read_member(archive, members[HISTORY], MAX_TEXT_BYTES))
    return adapter


def check_directory(path: Path) -> None:
    """Refuse a zip whose table of contents is too large to be an adapter's, reading only its
    end record (the last 64 KB at most), before anything parses the table itself."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65_557))  # the end record (22 bytes) + the longest comment
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise InvalidInputError(f"The file is not a zip archive: {FIX}.")
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":  # a ZIP64 locator: sizes elsewhere
        raise InvalidInputError(f"The zip uses ZIP64, which no adapter needs: {FIX}.")
    entries, directory_bytes = struct.unpack("<HL", tail[at + 10 : at + 16])
    if entries > MAX_MEMBERS + 1 or directory_bytes > MAX_DIRECTORY_BYTES:
        raise InvalidInputError(
            f"The zip lists {entries} entries in {directory_bytes:,} bytes; an adapter has at "
            f"most {MAX_MEMBERS} files: {FIX}."
        )


def checked_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's files by base name, after every check on names, kinds and sizes."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS + 1:  # + one folder entry
        raise InvalidInputError(
            f"The zip holds {len(infos)} entries; an adapter has at most {MAX_MEMBERS} files: "
            f"{FIX}."
        )
    found: dict[str, zipfile.ZipInfo] = {}
    folders: set[str] = set()
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.rstrip("/")).parts
        unsafe = (
            not parts
            or name.startswith("/")
            or "\\" in name
            or "\x00" in name
            or ":" in name
            or ".." in parts
            or len(parts) > 2
        )
        if unsafe:
            raise InvalidInputError(
                f"The zip has an entry with an unsafe path ({name[:80]!r}): adapter files must "
                "sit at the top of the zip or in one folder."
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InvalidInputError(f"The zip holds a link ({name[:80]!r}); links are refused.")
        if info.flag_bits & 0x1:
            raise InvalidInputError("The zip is encrypted: export the adapter without a password.")
        if info.is_dir():
            if len(parts) > 1:
                raise InvalidInputError(f"The zip nests folders ({name[:80]!r}): {FIX}.")
            continue
        folders.add(parts[0] if len(parts) == 2 else "")
        base = parts[-1]
        if base.lower().endswith(PICKLED):
            raise InvalidInputError(
                f"The zip holds {base[:80]}, a pickle-based file that can run code when loaded; "
                f"only safetensors weights are accepted (peft's save_pretrained writes {WEIGHTS})."
            )
        if base not in ALLOWED:
            raise InvalidInputError(
                f"The zip holds {base[:80]!r}; an adapter zip may only hold "
                f"{', '.join(sorted(ALLOWED))}."
            )
        if base in found:
            raise InvalidInputError(f"The zip holds {base} twice: {FIX}.")
        found[base] = info
    if len(folders) > 1:
        raise InvalidInputError(f"The zip spreads its files over several folders: {FIX}.")
    missing = [name for name in (CONFIG, WEIGHTS) if name not in found]
    if missing:
        raise InvalidInputError(
            f"The zip has no {' and no '.join(missing)}: it is not a peft LoRA adapter; {FIX}."
        )
    return found


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, never more than ``limit`` whatever its header claims."""
    if info.file_size > limit:
        raise InvalidInputError(
            f"The zip's {info.filename[:80]} unpacks to {info.file_size / 1e6:.1f} MB; the "
            f"limit is {limit / 1e6:.1f} MB."
        )
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise InvalidInputError(
            f"The zip's {info.filename[:80]} could not be unpacked ({error})."
        ) from None
    if len(data) > limit:
        raise InvalidInputError(f"The zip's {info.filename[:80]} unpacks past its limit: refused.")
    return data


def parse_config(data: bytes, known_models: Collection[str]) -> dict[str, Any]:
    """The LoRA config as ``LoraBench`` applies it (``LoraConfig`` fields, no peft_type), plus
    ``base_model_name_or_path``; every unusable value named."""
    from peft import LoraConfig

    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InvalidInputError(f"The zip's {CONFIG} is not valid JSON: {FIX}.") from None
    if not isinstance(raw, dict):
        raise InvalidInputError(f"The zip's {CONFIG} must be a JSON object: {FIX}.")
    if raw.get("peft_type") != "LORA" or raw.get("task_type") not in {"CAUSAL_LM", None}:
        raise InvalidInputError(
            f"The zip's {CONFIG} describes a {raw.get('peft_type')} adapter for "
            f"{raw.get('task_type')}; "
            "the playground loads LoRA adapters for causal language models (CAUSAL_LM)."
        )
    base = raw.get("base_model_name_or_path")
    if not isinstance(base, str) or base not in known_models:
        names = ", ".join(sorted(known_models)) or "none"
        raise InvalidInputError(
            f"The adapter was trained on {str(base)[:120]!r}, which this server does not have; "
            f"its text models are: {names}."
        )
    for name, default in UNSUPPORTED.items():
        if raw.get(name, default) not in (default, [], {}):
            raise InvalidInputError(
                f"The zip's {CONFIG} sets {name} = {str(raw[name])[:60]}; the playground runs "
                f"plain LoRA "
                f"only ({name} = {default})."
            )
    targets = raw.get("target_modules")
    if (
        not isinstance(targets, list)
        or not targets
        or not all(isinstance(t, str) for t in targets)
        or not set(targets) <= set(TARGET_MODULES)
    ):
        raise InvalidInputError(
            f"The zip's {CONFIG} targets {str(targets)[:120]}; the playground adapts a list "
            f"drawn from "
            f"{', '.join(TARGET_MODULES)}."
        )
    layers = raw.get("layers_to_transform")
    if isinstance(layers, int) and not isinstance(layers, bool):
        layers = raw["layers_to_transform"] = [layers]  # peft's one-layer form, as a list
    if layers is not None and not (
        isinstance(layers, list)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in layers)
    ):  # the summary shows them as numbers: anything else is refused, never quoted
        raise InvalidInputError(
            sentence(
                "The zip's adapter_config.json sets layers_to_transform to something other than "
                "layer numbers (whole numbers from 0): upload the lora-adapter.zip that the "
                "Fine-tune tab's export gave you."
            )
        )
    accepted = {f.name for f in fields(LoraConfig)}
    kwargs = {k: v for k, v in raw.items() if k in accepted and k != "peft_type"}
    try:
        config = LoraConfig(**kwargs)
        if not 1 <= int(config.r) <= 256 or not math.isfinite(float(config.lora_alpha)):
            raise ValueError("rank or alpha out of range")
    except (TypeError, ValueError) as error:
        raise InvalidInputError(
            f"The zip's {CONFIG} has values LoRA cannot use ({error})."
        ) from None
    settings = config.to_dict()
    settings.pop("peft_type", None)
    settings["target_modules"] = sorted(settings["target_modules"])
    settings["inference_mode"] = False  # as a freshly trained adapter's config has it
    settings["base_model_name_or_path"] = base
    return settings


def lora_tensors(base_layers: int) -> int:
    """The most tensors a LoRA adapter the playground runs can hold on a base of ``base_layers``
    layers: an A and a B matrix for each of TARGET_MODULES in every layer (a config that adapts
    fewer holds fewer; check_fits then names the exact difference)."""
    return 2 * len(TARGET_MODULES) * base_layers


def check_header(data: bytes, base: str, expected: int) -> None:
    """Refuse safetensors bytes whose header is larger, or lists more tensors, than a LoRA
    adapter of at most ``expected`` tensors (plus a small margin) needs. The 8-byte length is
    read first, so an oversized header costs nothing; only a header within it is parsed."""
    most = expected + TENSOR_MARGIN
    most_bytes = most * HEADER_BYTES_PER_TENSOR + HEADER_SLACK
    unreadable = InvalidInputError(
        f"The zip's {WEIGHTS} is not a readable safetensors file: {FIX}."
    )
    if len(data) < 8:
        raise unreadable
    (size,) = struct.unpack("<Q", data[:8])
    if size > most_bytes:
        raise InvalidInputError(
            sentence(
                "The zip's adapter_model.safetensors has a header of {size} bytes; a LoRA "
                "adapter for {model} needs at most {most} bytes: upload the lora-adapter.zip "
                "that the Fine-tune tab's export gave you.",
                size=f"{size:,}", model=base, most=f"{most_bytes:,}",
            )
        )  # fmt: skip
    if size > len(data) - 8:
        raise unreadable
    try:
        header = json.loads(data[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise unreadable from None
    if not isinstance(header, dict):
        raise unreadable
    tensors = len(header) - ("__metadata__" in header)
    if tensors > most:
        raise InvalidInputError(
            sentence(
                "The zip's adapter_model.safetensors lists {n} tensors; a LoRA adapter for "
                "{model} has at most {most}: upload the lora-adapter.zip that the Fine-tune "
                "tab's export gave you.",
                n=tensors, model=base, most=most,
            )
        )  # fmt: skip


def parse_weights(data: bytes) -> dict[str, Any]:
    """LoRA matrices from safetensors bytes, as float32 CPU tensors; finite, LoRA keys only."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        state = load(data)
    except (SafetensorError, ValueError, RuntimeError, OSError):
        raise InvalidInputError(
            f"The zip's {WEIGHTS} is not a readable safetensors file: {FIX}."
        ) from None
    if not state:
        raise InvalidInputError(f"The zip's {WEIGHTS} holds no weights: {FIX}.")
    for key, tensor in state.items():
        if ".lora_A." not in key and ".lora_B." not in key:
            raise InvalidInputError(
                f"The zip's {WEIGHTS} holds {key[:120]!r}, which is not a LoRA matrix: the "
                "playground loads "
                "LoRA weights only, never replacements for the base model's own."
            )
        if not tensor.is_floating_point():
            raise InvalidInputError(
                f"The zip's {WEIGHTS} holds {key[:120]!r} as {tensor.dtype}, not floats."
            )
        if not bool(torch.isfinite(tensor).all()):
            raise InvalidInputError(
                f"The zip's {WEIGHTS} holds NaN or infinite values in {key[:120]!r}."
            )
    return {key: tensor.to(torch.float32).contiguous() for key, tensor in state.items()}


def check_fits(bench: LoraBench, adapter: TrainedAdapter) -> None:
    """Refuse weights whose keys or shapes differ from what the config implies on this base."""
    from peft import get_peft_model_state_dict

    empty = TrainedAdapter({}, adapter.config, adapter.base_model)
    try:
        with bench.adapted(empty) as peft_model:
            expected = {k: tuple(v.shape) for k, v in get_peft_model_state_dict(peft_model).items()}
    except (ValueError, KeyError, RuntimeError, IndexError, TypeError) as error:
        raise InvalidInputError(
            f"The adapter's config does not fit {adapter.base_model} ({str(error)[:160]})."
        ) from None
    got = {k: tuple(v.shape) for k, v in adapter.state_dict.items()}
    missing, extra = sorted(expected.keys() - got.keys()), sorted(got.keys() - expected.keys())
    wrong = sorted(k for k in expected.keys() & got.keys() if expected[k] != got[k])
    if missing or extra or wrong:
        example = (missing or extra or wrong)[0]
        raise InvalidInputError(
            f"The adapter's weights do not fit {adapter.base_model}: {len(missing)} missing, "
            f"{len(extra)} unexpected, {len(wrong)} of the wrong shape (e.g. {example[:120]!r}). "
            "It was probably trained on another model with the same name."
        )


def restore_history(adapter: TrainedAdapter, data: bytes) -> None:
    """Steps, losses and the held-out curve from training.json; left empty if it is unusable."""
    try:
        raw = json.loads(data.decode("utf-8"))
        losses = [float(x) for x in raw.get("losses", [])][:10_000]
        held_out = [(int(s), float(v)) for s, v in raw.get("held_out", [])][:10_000]
        steps, kept = int(raw.get("steps", len(losses))), int(raw.get("kept_step", len(losses)))
        seconds, stopped = float(raw.get("seconds", 0.0)), str(raw.get("stopped", ""))[:200]
        examples = int(raw.get("held_out_examples", 0))
        numbers = [*losses, *(v for _, v in held_out), seconds]
        if not all(math.isfinite(x) for x in numbers) or not 0 <= kept <= steps <= 100_000:
            raise ValueError("out of range")
        if not 0 <= examples <= 10_000:
            raise ValueError("out of range")
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError, RecursionError):
        adapter.notes.append(f"{HISTORY} was unreadable: the weights came back, their history not.")
        return
    adapter.losses, adapter.held_out, adapter.steps = losses, held_out, steps
    adapter.kept_step, adapter.seconds, adapter.stopped = kept, seconds, stopped
    adapter.held_out_examples = examples
