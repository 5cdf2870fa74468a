"""pytest-lsp end to end: `python -m lamina lsp` driven as the editors drive it.

Each test starts its own server on a copy of a sample (or a temp folder) and replays a real
client's capabilities (pytest_lsp.client_capabilities). Server and test run on the test's
own event loop: the client fixture and the tests both use the function loop scope (the
repository's default), since a client started on one loop and used from another hangs
without a word.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from lsp_harness import StartClient, client_starter


@pytest_asyncio.fixture
async def start_client() -> AsyncIterator[StartClient]:
    """start_client(root, editor="visual-studio-code", init_options=None, configuration=None,
    apply_edits=True, env=None, experimental=None) -> an initialized client talking to a fresh
    `lamina lsp` (lsp_harness.client_starter)."""
    async with client_starter() as start:
        yield start
