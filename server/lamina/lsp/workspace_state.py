"""Everything the server knows about its workspace: the project model, the runner, the chosen
events, published diagnostics, sync, and how file changes reach them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from lamina.lsp.event_selections import EventSelections
from lamina.lsp.package_limits import PackageLimits
from lamina.lsp.project_index import ProjectIndex
from lamina.lsp.runner import FunctionRunner

if TYPE_CHECKING:
    from lamina.lsp.diagnostics_publisher import DiagnosticsPublisher
    from lamina.lsp.editor_sync import EditorSync
    from lamina.lsp.file_changes import FileChanges
    from lamina.lsp.server import LaminaServer


class WorkspaceState:
    def __init__(self, ls: LaminaServer, root: Path) -> None:
        from lamina.lsp.diagnostics_publisher import DiagnosticsPublisher
        from lamina.lsp.editor_sync import EditorSync
        from lamina.lsp.file_changes import FileChanges

        self.root = root
        self.index = ProjectIndex(root)
        self.runner = FunctionRunner(root)
        self.selections = EventSelections(root)
        self.diagnostics: DiagnosticsPublisher = DiagnosticsPublisher(ls, self)
        self.changes: FileChanges = FileChanges(ls, self)
        self.sync: EditorSync = EditorSync(ls)
        self.package_limits = PackageLimits(root, self.diagnostics)
        self.settings_ready = asyncio.Event()  # the first settings are in

    async def close(self) -> None:
        await self.changes.stop()
        try:
            await self.sync.close()
        finally:
            await self.runner.close()
