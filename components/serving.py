"""How the app is served to many users at once: queue size, cache cleaning and launch options.

Shared by app.py and the hosting tests' server (tests/hosting/server.py), so the tests run the
settings users get. Who may compute at the same time is in components/concurrency.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

# Waiting requests, all events together. Past this, callers get "queue full, try again" at once
# (gradio_client raises QueueError) instead of the server holding ever more requests in memory.
# Heavy events run at most components/concurrency.py heavy_limit() at a time (one group per
# device), fine-tuning one at a time, light events two at a time (DEFAULT_CONCURRENCY).
QUEUE_SIZE = 64
DEFAULT_CONCURRENCY = 2
QUEUE: dict[str, Any] = {"default_concurrency_limit": DEFAULT_CONCURRENCY}  # demo.queue(...)
# Gradio copies every returned file (images, CSV, zips) into its cache: every 30 min, delete
# copies older than 1 h, so a day of use by a lecture hall cannot fill the disk.
DELETE_CACHE = (1800, 3600)


# Launch settings for every server: no Node SSR server (one process, no extra attack surface),
# uploads capped, no extra allowed_paths (Gradio serves only its own cache and uploads). share
# stays a separate, off-by-default flag.
# state_session_capacity: sessions whose state stays in memory (Gradio's default is 10,000); the
# least recently used go first past it. A lecture hall is a few hundred browser tabs.
def _on(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def shared_host_options(environ: Mapping[str, str]) -> dict[str, Any]:
    """What a public, shared server records and exposes, each off unless a variable turns it on:
    - ``PLAYGROUND_RUN_HISTORY``: Gradio's "Runs" page, which keeps every call's inputs in the
      browser; on a shared lab PC the next student would see the last one's prompts and uploads;
    - ``PLAYGROUND_MONITORING``: Gradio's /monitoring page (traffic of every user);
    - ``PLAYGROUND_MCP_SERVER``: the app as an MCP server for AI agents (GRADIO_MCP_SERVER is
      not read: the deployer decides here, in one place).
    """
    history = _on(environ, "PLAYGROUND_RUN_HISTORY")
    return {
        "run_history": history,
        "enable_monitoring": _on(environ, "PLAYGROUND_MONITORING"),
        "mcp_server": _on(environ, "PLAYGROUND_MCP_SERVER"),
        "footer_links": ["api", "gradio", "settings", *(["runs"] if history else [])],
    }


LAUNCH_OPTIONS: dict[str, Any] = {
    "ssr_mode": False,
    "max_file_size": "50mb",
    "state_session_capacity": 1000,
    **shared_host_options(os.environ),
}


def patch_gradio() -> None:
    """The three places the playground changes Gradio itself (each idempotent, each tested):
    numbers from API callers checked with a sentence (components/number_guard.py), the image
    cache written atomically (components/atomic_cache.py) and file inputs that are URLs refused
    with a sentence (components/no_url_files.py)."""
    from components import atomic_cache, no_url_files, number_guard

    number_guard.install_number_guard()
    atomic_cache.install()
    no_url_files.install()


def cannot_listen(host: str, port: int, error: OSError) -> str:
    """What to tell a person whose port is taken (app.py exits with it)."""
    return (
        f"Cannot listen on {host}:{port} ({error}). Stop the program using that port, or pick "
        f"another with --port {port + 1}."
    )
