"""Hosting fixtures: one real app server (tests/hosting/server.py: ``build_app`` with a tiny
seeded language model) in a subprocess on loopback, shared by the load, bad-input, isolation,
cancel and memory tests; it runs in its own process so that the memory test reads the server's
resident memory alone. Figures the tests measure are written to test-artifacts/hosting-*.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers import ARTIFACTS, Server, tiny_app


def record(name: str, figures: dict[str, Any]) -> None:
    """Keep a test's measurements for the report (and print them under ``pytest -s``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"hosting-{name}.json").write_text(json.dumps(figures, indent=2))
    print(f"\n{name}: {json.dumps(figures)}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with tiny_app(tmp_path_factory.mktemp("hosting-server"), "hosting-server") as running:
        yield running
