"""One API vocabulary: every endpoint names a shared concept the same way, with the same type.

Reads every named endpoint's parameters from the app itself (what ``gradio_client`` and the API
page see) and checks them against one table: a concept has one name (``prompt``, never
``prompt_text``), and a name means one thing of one type on every endpoint. An old name an
endpoint still accepts for one release (components/endpoints.py ``OLD_NAMES``) must point at a
name the endpoint has and default to nothing.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from app import build_app
from components.endpoints import OLD_NAMES
from tests.hosting.server import tiny_registry

# The shared concepts: their one name and the Python type the API describes them with.
VOCABULARY = {
    "prompt": "str",
    "negative_prompt": "str",
    "second_prompt": "str",
    "text": "str",
    "model": "str",
    "chat": "bool",
    "fast": "bool",
    "temperature": "float",
    "top_k": "int",
    "top_p": "float",
    "max_new_tokens": "int",
    "repetition_penalty": "float",
    "seed": "int",
    "steps": "int",
    "guidance": "float",
    "scheduler": "str",
    "batch": "int",
    "layer": "int",
    "head": "int",
    "data": "str",
    "method": "str",
}
# Names the API used before one vocabulary: never a parameter's own name again.
SYNONYMS = {
    "model_name": "model",
    "prompt_text": "prompt",
    "chat_mode": "chat",
    "fast_path": "fast",
    "temperature_value": "temperature",
    "top_k_value": "top_k",
    "top_p_value": "top_p",
    "seed_value": "seed",
    "shown_count": "shown",
    "picked": "data",
    "example": "data",
    "upload": "file",
}


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory) -> dict[str, list[dict]]:
    demo = build_app(tiny_registry(tmp_path_factory.mktemp("api-names")))
    named = demo.get_api_info()["named_endpoints"]
    return {name: info["parameters"] for name, info in named.items()}


def _is_old_name(parameter: dict) -> bool:
    return parameter["parameter_name"] in OLD_NAMES and parameter.get("parameter_default") is None


def test_no_endpoint_uses_an_old_name_as_its_own(endpoints) -> None:
    for name, parameters in endpoints.items():
        for parameter in parameters:
            if parameter["parameter_name"] in SYNONYMS:
                assert _is_old_name(parameter), f"{name}: {parameter['parameter_name']}"
    assert set(OLD_NAMES) <= set(SYNONYMS) | {"steps"}  # /explain_token's steps: integration


def test_each_old_name_points_at_its_new_one_and_defaults_to_nothing(endpoints) -> None:
    for name, parameters in endpoints.items():
        own = {p["parameter_name"] for p in parameters if not _is_old_name(p)}
        for parameter in filter(_is_old_name, parameters):
            old = parameter["parameter_name"]
            assert OLD_NAMES[old] in own, f"{name}: {old} -> {OLD_NAMES[old]}"


def test_a_shared_name_has_one_type_everywhere(endpoints) -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    for name, parameters in endpoints.items():
        for parameter in parameters:
            if _is_old_name(parameter) or parameter["parameter_name"] not in VOCABULARY:
                continue
            # "None | int": the same concept, where "none" means "pick one for me" (a seed);
            # "Literal['a', 'b']": text from a list (a dropdown's choices)
            described = parameter["python_type"]["type"].replace("None | ", "")
            if described.startswith("Literal["):
                described = "str"
            seen[parameter["parameter_name"]].add(described)
            wanted = VOCABULARY[parameter["parameter_name"]]
            assert described.startswith(wanted), (name, parameter["parameter_name"], described)
    assert {"prompt", "model", "temperature", "top_k", "top_p", "seed", "steps", "guidance"} <= (
        set(seen)
    )


def test_the_text_endpoints_take_the_sampler_under_the_same_names(endpoints) -> None:
    sampler = ["temperature", "top_k", "top_p", "max_new_tokens", "repetition_penalty", "seed"]
    for name in ("/generate_text", "/branch_text", "/sample_texts"):
        names = [p["parameter_name"] for p in endpoints[name]]
        assert all(s in names for s in sampler), name
        assert "prompt" in names and "model" in names, name
