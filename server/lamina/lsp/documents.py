"""Open, changed, saved and closed documents.

- open: check it (diagnostics); a handler file also gets an environment started ahead of
  time, so that its first Run is warm;
- change: lenses are computed from the editor's text, so nothing to do but let them refresh;
- save: deploys the functions that hold the file when sync on save is on (editor_sync), then
  the same as a file change on disk (see file_changes), handled at once.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from lamina.lsp.server import LaminaServer

PREWARM_LIMIT = 3  # functions per opened file


async def prewarm_handlers(ls: LaminaServer, path: Path) -> None:
    loaded = await ls.state.index.current()
    if loaded is None:
        return
    await ls.state.settings_ready.wait()
    for spec in loaded.specs_for_file(path)[:PREWARM_LIMIT]:
        ls.tasks.spawn(ls.state.runner.prewarm(spec), f"prewarm {spec.logical_id}")


def register(server: LaminaServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: LaminaServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        if path is None:
            return
        if path.endswith(".py"):
            ls.tasks.spawn(prewarm_handlers(ls, Path(path)), "prewarm")
        await ls.state.diagnostics.document(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LaminaServer, params: types.DidChangeTextDocumentParams) -> None:
        return None  # pygls keeps the text; lenses read it when asked

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def did_save(ls: LaminaServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        if path is None:
            return
        ls.tasks.spawn(ls.state.sync.saved(path), "sync on save")
        await ls.state.changes.handle([Path(path)], saved=True)
        await ls.state.diagnostics.document(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LaminaServer, params: types.DidCloseTextDocumentParams) -> None:
        return None
