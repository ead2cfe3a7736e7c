"""Test-suite setup: offline hub, shared fixtures.

The suite never contacts the model hub: HF_HUB_OFFLINE is set before anything imports
huggingface_hub, so a test that tried would fail loudly instead of downloading.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest

from models.builtin import default_registry
from models.registry import Registry


@pytest.fixture(scope="session")
def real_registry() -> Registry:
    """The app's own registry with the real default models, loaded at most once per test run."""
    return default_registry({})


# -- who runs where ---------------------------------------------------------------------
# `make test` runs the suite on two pytest-xdist workers with `--dist loadgroup`. A test that uses
# a server fixture joins that server's group, so each server starts once, on one worker, and its
# tests run there one after another (they share its queue and its CPU); the other tests spread
# over both workers. The kinds are also markers, for the inner loop (`make test-fast`).
SERVER_GROUPS = {"app_server": "real-app", "tiny_server": "tiny-app", "server": "hosting"}
# The real app's browser tests take the longest: they are split by file over two groups (so two
# workers can each run one, each with a server of its own), about half the time each. Measured
# against no groups at all (each worker taking them one at a time): quiet, about the same;
# beside a busy loop, 22 min against 20, and a fine-tune test on one server then queued behind
# another module's training run: one training runs at a time per server.
SECOND_REAL_APP = {"test_lessons.py", "test_presenter.py", "test_i18n.py"}


def pytest_configure(config: pytest.Config) -> None:
    for marker, meaning in (
        ("browser", "drives Chromium against a server (tests/browser)"),
        ("hosting", "talks to a real server over HTTP (tests/hosting)"),
        ("real_model", "loads a default model (SmolLM2 or MiniLM) in the test process"),
    ):
        config.addinivalue_line("markers", f"{marker}: {meaning}")


@pytest.hookimpl(wrapper=True)  # around every plugin's hook of this name, xdist's included
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    for item in items:
        path = item.path.as_posix()
        for kind in ("browser", "hosting"):
            if f"/tests/{kind}/" in path:
                item.add_marker(kind)
        fixtures = getattr(item, "fixturenames", ())
        if "real_registry" in fixtures:
            item.add_marker("real_model")
        group = next((g for name, g in SERVER_GROUPS.items() if name in fixtures), None)
        if group == "real-app" and item.path.name in SECOND_REAL_APP:
            group = "real-app-2"
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    yield
    if getattr(config.option, "loadgroup", False):  # set on xdist workers under loadgroup
        grouped_node_ids(items)


def grouped_node_ids(items: list[pytest.Item]) -> None:
    """What xdist's loadgroup does on a worker, done so that pytest 9 sees it: the group's name
    after an ``@`` in each grouped test's node id, which the scheduler reads to keep a group on
    one worker. xdist 3.8 writes ``item._nodeid``, which pytest 9.2 no longer reads (node ids are
    ``NodeId`` objects in ``item._id``), so its groups were silently ignored: every worker
    started every server. Remove this once xdist writes the id pytest reads."""
    from _pytest.nodeid import NodeId

    for item in items:
        groups = sorted({str(m.args[0]) for m in item.iter_markers("xdist_group") if m.args})
        if groups and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")
