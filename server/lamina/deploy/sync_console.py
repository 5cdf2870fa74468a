"""`lamina sync`: deploy functions from the command line, once or on every change (--watch).

On a terminal a rich table shows each function's state live; otherwise (a pipe, CI) one line is
printed per finished deploy, so logs stay readable. The exit status is 0 when every deploy of a
one-shot run succeeded, 1 otherwise. --watch runs until Ctrl-C (or SIGTERM).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from dataclasses import dataclass
from typing import Any

from lamina.deploy.sync_manager import SyncManager
from lamina.deploy.sync_settings import SyncSettings, SyncTarget
from lamina.deploy.sync_status import SyncState, SyncStatus
from lamina.project.loader import Project
from lamina.project.spec import ProjectError

_STYLES = {
    SyncState.IDLE: "dim",
    SyncState.QUEUED: "yellow",
    SyncState.PACKAGING: "cyan",
    SyncState.UPLOADING: "cyan",
    SyncState.WAITING: "cyan",
    SyncState.DONE: "green",
    SyncState.FAILED: "red",
}


@dataclass
class SyncRequest:
    """What the command line asked for."""

    functions: tuple[str, ...] = ()
    target: str | None = None
    endpoint_url: str | None = None
    watch: bool = False
    publish: bool = False
    alias: str | None = None
    force: bool = False


def settings_for(project: Project, request: SyncRequest) -> SyncSettings:
    """`[tool.lamina]` settings with the command line's options on top. ValueError when a
    setting is malformed."""
    settings = SyncSettings.from_mapping(project.settings)
    changes: dict[str, Any] = {}
    if request.target:
        changes["target"] = SyncTarget(request.target)
    if request.publish:
        changes["publish"] = True
    if request.alias:
        changes["alias"] = request.alias
    if request.force:
        changes["force"] = True
    return settings.replace(**changes) if changes else settings


class StatusBoard:
    """The display: a live table on a terminal, plain lines elsewhere."""

    def __init__(self, functions: list[str], target: str, live: bool) -> None:
        from rich.console import Console

        self.console = Console(stderr=False, highlight=False)
        self.rows: dict[str, SyncStatus] = {
            name: SyncStatus(name, target, SyncState.IDLE) for name in functions
        }
        self.live: Any = None
        if live and self.console.is_terminal:
            from rich.live import Live

            self.live = Live(self._table(), console=self.console, refresh_per_second=12)

    def __enter__(self) -> StatusBoard:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.__exit__(None, None, None)

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in ("function", "target", "state", "CodeSha256", "version", "message"):
            table.add_column(column)
        for name, status in self.rows.items():
            table.add_row(
                name,
                status.target,
                f"[{_STYLES[status.state]}]{status.state.value}[/]",
                (status.code_sha256 or "")[:12],
                status.version or "",
                status.message or "",
            )
        return table

    def update(self, status: SyncStatus) -> None:
        self.rows[status.function] = status
        if self.live is not None:
            self.live.update(self._table())
        elif status.finished:
            self.print_line(status)

    def print_line(self, status: SyncStatus) -> None:
        from rich.text import Text

        line = Text(f"{status.function} ({status.target}): ")
        line.append(status.state.value, style=_STYLES[status.state])
        if status.code_sha256:
            line.append(f" {status.code_sha256}")
        if status.version:
            line.append(f" version {status.version}")
        if status.message:
            line.append(f" - {status.message}")
        self.console.print(line, soft_wrap=True)
        self.console.file.flush()


async def _run(project: Project, settings: SyncSettings, request: SyncRequest) -> int:
    board_names = [function_id(project, name) for name in request.functions]
    board_names = list(dict.fromkeys(board_names)) or list(project.functions)
    board = StatusBoard(board_names, settings.target.value, live=True)
    manager = SyncManager(
        project,
        settings.replace(on_save=True) if request.watch else settings,
        board.update,
        endpoint_url=request.endpoint_url,
        reload_project_on_change=request.watch,
    )
    failed = False
    try:
        with board:
            results = await asyncio.gather(*(manager.sync(name) for name in board_names))
            failed = any(status.state is SyncState.FAILED for status in results)
            if request.watch:
                await manager.start_watching()
                board.console.print(
                    f"watching {project.root} for changes (Ctrl-C to stop)", style="dim"
                )
                board.console.file.flush()
                await _until_stopped()
    finally:
        # A one-shot run leaves an emulator it started running, for the invokes that follow.
        await manager.close(stop_emulator=request.watch)
    return 1 if failed and not request.watch else 0


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def run_sync(project: Project, request: SyncRequest) -> int:
    """The command's body; returns the exit status. Raises ValueError for bad settings and
    ProjectError for an unknown function (the CLI prints either as one line)."""
    settings = settings_for(project, request)
    if settings.target is SyncTarget.AWS and request.watch and settings.on_save is False:
        print("lamina: sync.onSave is off; --watch deploys on changes anyway", file=sys.stderr)
    for name in request.functions:
        function_id(project, name)  # ProjectError before anything starts
    if not project.functions:
        raise ProjectError(
            f"{project.root}: no functions to sync (no template.yaml, and none in pyproject.toml)"
        )
    try:
        return asyncio.run(_run(project, settings, request))
    except KeyboardInterrupt:
        return 130


def function_id(project: Project, name: str) -> str:
    """The logical id of a project function named by logical id, function name or handler
    target. ProjectError for anything else: only functions the project defines are synced."""
    spec = project.find(name)
    if spec.logical_id not in project.functions:
        raise ProjectError(
            f"{name} is not a function of the project: sync deploys the functions of "
            "template.yaml or [tool.lamina.functions]"
        )
    return spec.logical_id
