"""Everything the server knows about its workspace: the project model, the runner, the chosen
events, and the services that publish diagnostics, follow file changes and sync (attached by
lifecycle's `open_workspace`, typed by the protocols in workspace_services)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lamina.lsp.event_selections import EventSelections
from lamina.lsp.package_limits import PackageLimits
from lamina.lsp.project_index import ProjectIndex
from lamina.lsp.runner import FunctionRunner
from lamina.lsp.workspace_services import DiagnosticsService, FileChangeService, SyncService


class WorkspaceState:
    diagnostics: DiagnosticsService
    changes: FileChangeService
    sync: SyncService
    package_limits: PackageLimits

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = ProjectIndex(root)
        self.runner = FunctionRunner(root)
        self.selections = EventSelections(root)
        self.settings_ready = asyncio.Event()  # the first settings are in

    def attach(
        self, diagnostics: DiagnosticsService, changes: FileChangeService, sync: SyncService
    ) -> None:
        self.diagnostics = diagnostics
        self.changes = changes
        self.sync = sync
        self.package_limits = PackageLimits(self.root, diagnostics)

    async def close(self) -> None:
        await self.changes.stop()
        try:
            await self.sync.close()
        finally:
            await self.runner.close()
