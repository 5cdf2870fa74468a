"""initialize, initialized, shutdown and exit; configuration and watched-file notifications.

`initialize` only records the workspace: the project loads after `initialized`, in the
background, so the editor gets its answer as fast as a bare pygls server gives it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from lamina.lsp.workspace_state import WorkspaceState

log = logging.getLogger(__name__)
# Work a feature does once the workspace has started (durable_resume.py registers one).
AFTER_START: list[Callable[[LaminaServer], Coroutine[Any, Any, object]]] = []


def workspace_root(params: types.InitializeParams) -> Path:
    for uri in [
        *(folder.uri for folder in params.workspace_folders or []),
        params.root_uri,
    ]:
        path = to_fs_path(uri) if uri else None
        if path:
            return Path(os.path.abspath(path))
    if params.root_path:
        return Path(os.path.abspath(params.root_path))
    return Path.cwd()


def project_root(folder: Path) -> Path:
    """The workspace folder, or the project folder above it when the editor opened a subfolder
    (eglot roots a folder without version control at the open file's folder)."""
    from lamina.project_files import PROJECT_FILES

    if any((folder / name).is_file() for name in PROJECT_FILES):
        return folder  # the usual case, without importing the project readers
    from lamina.project.formats import find_project_root

    root = find_project_root(folder)
    if root != folder:
        log.info(
            "the workspace %s is inside the project %s: using the project's folder", folder, root
        )
    return root


def open_workspace(ls: LaminaServer, root: Path) -> WorkspaceState:
    """The workspace's state with its services attached."""
    from lamina.lsp.diagnostics_publisher import DiagnosticsPublisher
    from lamina.lsp.editor_sync import EditorSync
    from lamina.lsp.file_changes import FileChanges
    from lamina.lsp.workspace_state import WorkspaceState

    state = WorkspaceState(root)
    state.attach(DiagnosticsPublisher(ls, state), FileChanges(ls, state), EditorSync(ls))
    return state


async def start_workspace(ls: LaminaServer) -> None:
    from lamina.lsp.configuration import refresh_settings, register_for_changes

    state = ls.state
    try:
        await refresh_settings(ls)
    finally:
        state.settings_ready.set()
    state.changes.remember(state.changes.project_files())
    state.index.reload()
    await state.index.current()
    await state.changes.start()
    await register_for_changes(ls)
    await state.diagnostics.template()
    error = state.index.error
    if error is not None:
        ls.log_to_client(f"Lamina: {error}", types.MessageType.Warning)
    from lamina.lsp.cdk_synth import offer_synth

    ls.tasks.spawn(offer_synth(ls), "offer cdk synth")  # a question must not hold the start
    for after_start in AFTER_START:
        ls.tasks.spawn(after_start(ls), after_start.__name__)


def register(server: LaminaServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: LaminaServer, params: types.InitializeParams) -> None:
        ls.root = project_root(workspace_root(params))
        ls.initialization_options = params.initialization_options
        ls.state = open_workspace(ls, ls.root)

    @server.feature(types.INITIALIZED)
    def initialized(ls: LaminaServer, params: types.InitializedParams) -> None:
        ls.tasks.spawn(start_workspace(ls), "start the workspace")

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: LaminaServer, params: None) -> None:
        await ls.tasks.cancel_all()
        if ls.initialized:
            try:
                await ls.state.close()
            except Exception:
                log.exception("closing the workspace failed")
            ls.kill_children_now()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: LaminaServer, params: types.DidChangeConfigurationParams
    ) -> None:
        from lamina.lsp.configuration import refresh_settings

        if params.settings is not None:
            ls.pushed_settings = params.settings
        if not ls.initialized:
            return
        ready = ls.state.settings_ready
        ready.clear()  # a run waits for the new settings
        try:
            await refresh_settings(ls)
        finally:
            ready.set()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: LaminaServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        paths = [to_fs_path(change.uri) for change in params.changes]
        ls.state.changes.submit(Path(path) for path in paths if path)
