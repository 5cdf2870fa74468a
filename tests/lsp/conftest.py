"""pytest-lsp end to end: `python -m lamina lsp` driven as the editors drive it.

Each test starts its own server on a copy of a sample (or a temp folder) and replays a real
client's capabilities (pytest_lsp.client_capabilities). Server and test run on the test's
own event loop: the client fixture and the tests both use the function loop scope (the
repository's default), since a client started on one loop and used from another hangs
without a word.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsp_harness import SAMPLES, StartClient, make_client, server_env
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities


@pytest.fixture
def sample(tmp_path: Path) -> Callable[[str], Path]:
    """sample("http-api") -> a fresh copy of samples/http-api."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(
            SAMPLES / name, target, ignore=shutil.ignore_patterns("__pycache__", ".lamina")
        )
        return target

    return copy


@pytest_asyncio.fixture
async def start_client() -> AsyncIterator[StartClient]:
    """start_client(root, editor="visual-studio-code", init_options=None, configuration=None,
    apply_edits=True, env=None, experimental=None) -> an initialized client talking to a fresh
    `lamina lsp`."""
    clients: list[LanguageClient] = []

    async def start(
        root: Path,
        editor: str = "visual-studio-code",
        init_options: Any = None,
        configuration: dict[str, Any] | None = None,
        apply_edits: bool = True,
        env: dict[str, str] | None = None,
        experimental: Any = None,
    ) -> LanguageClient:
        client = make_client(apply_edits)
        if configuration is not None:
            client.set_configuration(configuration, section="lamina")
        await client.start_io(
            sys.executable, "-m", "lamina", "lsp", env=server_env(env), cwd=str(root)
        )
        clients.append(client)
        capabilities = client_capabilities(editor)
        if experimental is not None:
            capabilities.experimental = experimental
        client.initialize_result = await client.initialize_session(  # type: ignore[attr-defined]
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                initialization_options=init_options,
            )
        )
        return client

    yield start
    for client in clients:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), 10)
        await client.stop()
