"""File inputs are uploads, never addresses for the server to fetch.

An API caller can send a FileData whose path is a URL; Gradio would then download it from the
server (SSRF-protected, but still a fetch on a caller's behalf, and offline it fails with a
message-less "upstream Gradio app has raised an exception"). The playground refuses it with a
sentence that says what to do instead. Installed by patch_gradio (components/serving.py).

Not here: which local paths may be passed (Gradio's own allowed-paths check, tested in
tests/hosting/test_bad_input.py).
"""

from __future__ import annotations

import functools

import gradio as gr
from gradio.blocks import Block
from gradio_client import utils as client_utils

URL_REFUSED = (
    "This server does not fetch files from web addresses: upload the file itself (in Python, "
    "gradio_client.handle_file('path/to/file.csv'))."
)


def install() -> None:
    """Wrap Gradio's copy-into-cache step so a URL is refused (idempotent)."""
    original = Block.async_move_resource_to_block_cache
    if getattr(original, "_playground_no_urls", False):
        return

    @functools.wraps(original)
    async def move_local_files_only(self: Block, url_or_file_path):  # type: ignore[no-untyped-def]
        if isinstance(url_or_file_path, str) and client_utils.is_http_url_like(url_or_file_path):
            raise gr.Error(URL_REFUSED, print_exception=False)
        return await original(self, url_or_file_path)

    move_local_files_only._playground_no_urls = True  # type: ignore[attr-defined]
    Block.async_move_resource_to_block_cache = move_local_files_only  # type: ignore[method-assign]
