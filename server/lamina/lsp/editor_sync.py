"""Save-to-deploy for the editor: glue between the language server and `SyncManager`.

- Every state change goes out as a `lamina/syncStatus` notification; a deploy shows `$/progress`
  from packaging to done or failed; a first failure and the recovery after it are shown once
  each (window/showMessage). After each deploy, a package over Lambda's size limit gets a
  diagnostic (package_limits).
- The manager (and with it boto3, on the first deploy) is made on first use, never at start-up.
- Saves deploy when auto sync is on (`sync.onSave`; by default on for the emulator, off for AWS).
  While the user has neither set `sync.onSave` nor used a sync command, toggled auto sync or
  turned on `emulator.autoStart`, a save deploys to the emulator only if one answers there, so
  that someone who only runs handlers is never told on every save that no emulator runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lsprotocol import types

from lamina.lsp.progress import Progress

if TYPE_CHECKING:
    from lamina.deploy.sync_manager import SyncManager
    from lamina.deploy.sync_settings import SyncSettings
    from lamina.deploy.sync_status import SyncStatus
    from lamina.lsp.server import LaminaServer
    from lamina.lsp.settings import LaminaSettings
    from lamina.project.loader import Project

log = logging.getLogger(__name__)
SYNC_STATUS = "lamina/syncStatus"
PROBE_TIMEOUT_S = 0.3


class SyncSettingsError(Exception):
    """The sync settings can't be used: one line for the user."""


def sync_settings(settings: LaminaSettings) -> SyncSettings:
    from lamina.deploy.sync_settings import SyncSettings

    try:
        return SyncSettings.from_mapping(dict(settings.values))
    except ValueError as e:
        raise SyncSettingsError(str(e)) from None


async def endpoint_answers(endpoint: str) -> bool:
    """Whether something accepts connections at the endpoint (a TCP connect, no request)."""
    parts = urlsplit(endpoint)
    if not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname, port), PROBE_TIMEOUT_S
        )
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


class EditorSync:
    def __init__(self, ls: LaminaServer) -> None:
        self.ls = ls
        self._manager: SyncManager | None = None
        self._creating: asyncio.Lock | None = None
        self._progress: dict[tuple[str, str], Progress] = {}
        self._steps: dict[tuple[str, str], asyncio.Task[Any]] = {}
        self._closed = False
        self._configured_target: str | None = None  # sync.target when last applied
        self._chosen_target: str | None = None  # lamina.setTarget's, kept over settings changes

    # --- the manager --------------------------------------------------------------------------

    @property
    def manager(self) -> SyncManager | None:
        return self._manager

    async def ensure(self) -> SyncManager:
        """The manager, made on first use from the current project and settings."""
        if self._manager is not None:
            return self._manager
        if self._creating is None:
            self._creating = asyncio.Lock()
        async with self._creating:
            if self._manager is None:
                from lamina.deploy.sync_manager import SyncManager

                await self.ls.state.settings_ready.wait()
                project = await self.ls.state.index.project()
                settings = sync_settings(self.ls.settings)
                self._configured_target = settings.target.value
                self._manager = SyncManager(project, settings, self._on_status)
            return self._manager

    async def _opted_in(self) -> bool:
        """Whether a save may deploy before any sync command was used (see the module doc)."""
        settings = sync_settings(self.ls.settings)
        if not settings.auto_sync:
            return False
        if settings.on_save is not None or settings.emulator_auto_start:
            return True
        from lamina.deploy.targets import emulator_endpoint

        return await endpoint_answers(emulator_endpoint(settings))

    # --- triggers -----------------------------------------------------------------------------

    async def saved(self, path: str) -> None:
        """An editor saved `path`: deploy its functions now, if auto sync is on."""
        manager = self._manager
        if manager is None:
            await self.ls.state.settings_ready.wait()
            if self._closed or await self.ls.state.index.current() is None:
                return
            try:
                if not await self._opted_in():
                    return
                manager = await self.ensure()
            except SyncSettingsError as e:
                log.info("sync on save skipped: %s", e)
                return
            except Exception as e:  # the project doesn't load: its diagnostics say why
                log.info("sync on save skipped: %s", e)
                return
        manager.on_saved(path)

    def changed(self, path: str) -> None:
        """`path` changed on disk (another tool): deploy after a quiet spell, if auto sync is on
        and sync is in use in this session."""
        if self._manager is not None:
            self._manager.on_changed(path)

    def project_changed(self, project: Project) -> None:
        if self._manager is not None:
            self._manager.set_project(project)

    def set_target(self, manager: SyncManager, target: str) -> None:
        """lamina.setTarget: kept until the `sync.target` setting itself changes."""
        self._chosen_target = target
        manager.set_target(target)

    def settings_changed(self, settings: LaminaSettings) -> None:
        if self._manager is None:
            return
        try:
            new = sync_settings(settings)
        except SyncSettingsError as e:
            self.ls.show(f"Lamina: {e}", types.MessageType.Warning)
            return
        if new.target.value != self._configured_target:
            self._configured_target = new.target.value
            self._chosen_target = None  # the user changed the setting: it wins
        elif self._chosen_target is not None:
            new = new.replace(target=self._manager.target)
        self._manager.update_settings(new)

    async def close(self) -> None:
        self._closed = True
        manager, self._manager = self._manager, None
        if manager is not None:
            await manager.close()
        for progress in self._progress.values():
            progress.end()
        self._progress.clear()

    # --- status -------------------------------------------------------------------------------

    def _on_status(self, status: SyncStatus) -> None:
        ls = self.ls
        ls.protocol.notify(SYNC_STATUS, status.to_payload())
        if status.notify:
            from lamina.deploy.sync_status import SyncState

            failed = status.state is SyncState.FAILED
            what = "sync failed" if failed else "sync works again"
            ls.show(
                f"Lamina: {status.function} ({status.target}) {what}: {status.message}",
                types.MessageType.Error if failed else types.MessageType.Info,
            )
        if status.finished:
            self._check_package(status)
        key = (status.target, status.function)
        previous = self._steps.get(key)
        self._steps[key] = ls.tasks.spawn(
            self._progress_step(previous, status), f"sync progress {status.function}"
        )

    def _check_package(self, status: SyncStatus) -> None:
        manager = self._manager
        spec = manager.project.functions.get(status.function) if manager else None
        if spec is None:
            return
        limits = self.ls.state.package_limits
        python = self.ls.settings.text("python")
        self.ls.tasks.spawn(limits.check(spec, status.target, python), "package size check")

    async def _progress_step(self, previous: asyncio.Task[Any] | None, status: SyncStatus) -> None:
        """$/progress for one function's deploy, in the order of its states."""
        from lamina.deploy.sync_status import SyncState

        if previous is not None and not previous.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(previous)
        key = (status.target, status.function)
        progress = self._progress.get(key)
        if status.state is SyncState.PACKAGING and progress is None:
            progress = Progress(self.ls, f"Syncing {status.function} to {status.target}")
            self._progress[key] = progress
            await progress.begin("packaging")
        elif progress is not None and status.state in (SyncState.UPLOADING, SyncState.WAITING):
            progress.report(status.state.value)
        elif progress is not None and status.finished:
            self._progress.pop(key, None)
            progress.end(status.message or status.state.value)
        if self._steps.get(key) is asyncio.current_task():
            self._steps.pop(key, None)
