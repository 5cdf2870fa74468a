"""Save-to-deploy for a whole project: the API the CLI and the language server drive.

    manager = SyncManager(project, SyncSettings.from_mapping(settings), listener)
    await manager.sync("HelloFunction")      # deploy one function now; returns its SyncStatus
    await manager.sync_all()
    manager.on_saved(path)                   # an editor's didSave: deploy at once (if auto sync)
    manager.on_changed(path)                 # a change on disk: deploy after a quiet spell
    await manager.start_watching()           # watchdog feeds on_changed
    manager.set_target("aws"); manager.set_auto(True); manager.set_project(new_project)
    await manager.start_emulator(); await manager.stop_emulator()
    await manager.close()

Every state change reaches `listener` as a SyncStatus (DESIGN's `lamina/syncStatus`). Blocking
work (boto3, pip, zipping) runs in threads; no call here blocks the event loop. Nothing is ever
deployed to AWS unless the settings (or `set_target`) say `aws`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Coroutine
from typing import Any

from lamina.deploy.active_target import ActiveTarget, activate
from lamina.deploy.bundle import DependencyPlatform, PackageBuilder
from lamina.deploy.code_paths import CodePathIndex
from lamina.deploy.emulator_autostart import EmulatorLauncher, EmulatorStartError
from lamina.deploy.file_watch import FileWatcher
from lamina.deploy.function_deployer import DeployOutcome
from lamina.deploy.sync_errors import RetryPolicy, SyncError, permanent
from lamina.deploy.sync_session import FunctionSyncSession, Progress
from lamina.deploy.sync_settings import DEFAULT_DEBOUNCE_S, SyncSettings, SyncTarget, sync_python
from lamina.deploy.sync_status import StatusListener, SyncState, SyncStatus
from lamina.deploy.targets import emulator_endpoint
from lamina.project.loader import Project
from lamina.project.spec import FunctionSpec, ProjectError
from lamina.project.workspace import state_dir

log = logging.getLogger(__name__)


def _deploy_fields(spec: FunctionSpec) -> tuple[Any, ...]:
    return (
        spec.handler,
        str(spec.code_dir),
        spec.function_name,
        spec.runtime,
        spec.timeout,
        spec.memory_size,
        sorted(spec.environment.items()),
        tuple(spec.architectures),
        spec.url_config,
    )


class SyncManager:
    def __init__(
        self,
        project: Project,
        settings: SyncSettings,
        listener: StatusListener | None = None,
        *,
        endpoint_url: str | None = None,
        debounce_s: float = DEFAULT_DEBOUNCE_S,
        retry: RetryPolicy | None = None,
        reload_project_on_change: bool = False,
    ) -> None:
        """`endpoint_url` overrides the emulator endpoint (the CLI's --endpoint-url; for the
        aws target it is Lambda's endpoint). With `reload_project_on_change`, a change to the
        template, pyproject.toml or samconfig.toml reloads the project (the CLI's --watch; a
        language server reloads it itself and calls set_project)."""
        self.project = project
        self.settings = settings
        self.endpoint_url = endpoint_url
        self.debounce_s = debounce_s
        self.retry = retry or RetryPolicy()
        self.reload_project_on_change = reload_project_on_change
        self.statuses: dict[tuple[str, str], SyncStatus] = {}  # (target, logical id) -> last
        self._listener = listener
        self._auto_override: bool | None = None
        self._state_dir = state_dir(project.root)
        self._builder = PackageBuilder(
            self._state_dir / "cache", sync_python(settings, project.root)
        )
        self._launcher = EmulatorLauncher(self._state_dir)
        self._index = CodePathIndex(project.root, project.functions)
        self._sessions: dict[tuple[SyncTarget, str], FunctionSyncSession] = {}
        self._active: dict[SyncTarget, ActiveTarget] = {}
        self._activating = asyncio.Lock()
        self._emulator_lock = asyncio.Lock()
        self._watcher: FileWatcher | None = None
        self._reload_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- settings ---------------------------------------------------------------------------

    @property
    def target(self) -> SyncTarget:
        return self.settings.target

    @property
    def auto_sync(self) -> bool:
        """Whether saves deploy: `set_auto`'s choice, else `sync.onSave` (per-target default)."""
        return self._auto_override if self._auto_override is not None else self.settings.auto_sync

    def set_auto(self, enabled: bool | None) -> bool:
        """Turn sync-on-save on or off (None: back to the setting). Returns the new state."""
        self._auto_override = enabled
        return self.auto_sync

    def set_target(self, target: SyncTarget | str) -> None:
        """Switch the target. Sync-on-save goes back to that target's setting (off for AWS
        unless `sync.onSave` is on), so a switch never starts deploying to AWS on save."""
        self.settings = self.settings.replace(target=SyncTarget(target))
        self._auto_override = None

    def update_settings(self, settings: SyncSettings) -> None:
        if settings != self.settings:
            self.settings = settings
            self._active.clear()  # new clients, names and options on the next deploy

    def set_project(self, project: Project) -> list[str]:
        """Take a reloaded project. Functions that are new or whose deployable settings changed
        are deployed (if auto sync is on); their logical ids are returned."""
        old = self.project.functions
        self.project = project
        self._index = CodePathIndex(project.root, project.functions)
        changed = [
            logical_id
            for logical_id, spec in project.functions.items()
            if logical_id not in old or _deploy_fields(old[logical_id]) != _deploy_fields(spec)
        ]
        if self.auto_sync:
            for logical_id in changed:
                self._session(logical_id).request()
        return changed

    # --- triggers ---------------------------------------------------------------------------

    def functions_for_path(self, path: str) -> list[str]:
        return self._index.functions_for(path)

    def on_saved(self, path: str) -> list[str]:
        """An editor saved `path`: deploy its functions at once, if auto sync is on."""
        if not self.auto_sync:
            return []
        ids = self._index.functions_for(path)
        for logical_id in ids:
            self._session(logical_id).request()
        return ids

    def on_changed(self, path: str) -> list[str]:
        """`path` changed on disk: deploy its functions after a quiet spell (debounced per
        function), if auto sync is on."""
        if self.reload_project_on_change and self._index.is_project_file(path):
            self._schedule_reload()
            return []
        if not self.auto_sync:
            return []
        ids = self._index.functions_for(path)
        for logical_id in ids:
            self._session(logical_id).request(debounce=True)
        return ids

    async def sync(self, function: str) -> SyncStatus:
        """Deploy one function (logical id or function name) now. Raises ProjectError when the
        project has no such function."""
        spec = self._find(function)
        return await self._session(spec.logical_id).sync_now()

    async def sync_all(self) -> list[SyncStatus]:
        ids = list(self.project.functions)
        return list(await asyncio.gather(*(self._session(i).sync_now() for i in ids)))

    async def wait_idle(self) -> None:
        """Until no deploy runs, waits or is queued, on any target."""
        while True:
            sessions = [s for s in self._sessions.values() if s.pending]
            if not sessions:
                return
            await asyncio.gather(*(s.idle() for s in sessions))

    def session(self, function: str, target: SyncTarget | None = None) -> FunctionSyncSession:
        return self._session(self._find(function).logical_id, target)

    # --- watching -----------------------------------------------------------------------------

    async def start_watching(self) -> None:
        if self._watcher is not None:
            return
        loop = asyncio.get_running_loop()
        watcher = FileWatcher(self._index.watch_roots(), self.on_changed)
        await asyncio.to_thread(watcher.start, loop)
        self._watcher = watcher

    async def stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            await asyncio.to_thread(watcher.stop)

    def _schedule_reload(self) -> None:
        if self._reload_timer is not None:
            self._reload_timer.cancel()
        loop = asyncio.get_running_loop()
        self._reload_timer = loop.call_later(
            self.debounce_s, lambda: self._spawn(self._reload(), "lamina-sync-reload")
        )

    async def _reload(self) -> None:
        from lamina.project.loader import load_project

        self._reload_timer = None
        try:
            project = await asyncio.to_thread(
                load_project, self.project.root, options=self.project.options
            )
        except ProjectError as e:
            log.warning("the project was not reloaded: %s", e)
            return
        self._active.pop(SyncTarget.AWS, None)  # samconfig.toml or the stack name may differ
        self.set_project(project)
        if self._watcher is not None:
            await self.stop_watching()
            await self.start_watching()

    # --- the emulator -----------------------------------------------------------------------

    def emulator_endpoint(self) -> str:
        if self.endpoint_url and self.target is SyncTarget.EMULATOR:
            return self.endpoint_url.rstrip("/")
        return emulator_endpoint(self.settings)

    async def start_emulator(self) -> str:
        """Start `lamina serve` at the emulator endpoint unless one answers there. Returns the
        endpoint. Raises SyncError when it can't."""
        endpoint = self.emulator_endpoint()
        async with self._emulator_lock:
            try:
                await asyncio.to_thread(self._launcher.ensure_running, endpoint)
            except EmulatorStartError as e:
                raise permanent(str(e)) from None
        return endpoint

    async def stop_emulator(self) -> bool:
        """Stop the emulator if this manager started it. True if it did."""
        async with self._emulator_lock:
            return await asyncio.to_thread(self._launcher.stop)

    @property
    def emulator_started_here(self) -> bool:
        return self._launcher.started_here

    # --- deploying --------------------------------------------------------------------------

    def _find(self, function: str) -> FunctionSpec:
        spec = self.project.functions.get(function)
        if spec is None:
            spec = next(
                (s for s in self.project.functions.values() if s.function_name == function), None
            )
        if spec is None:
            known = ", ".join(self.project.functions) or "none"
            raise ProjectError(f"unknown function '{function}' (known: {known})")
        return spec

    def _session(self, logical_id: str, target: SyncTarget | None = None) -> FunctionSyncSession:
        kind = target or self.target
        session = self._sessions.get((kind, logical_id))
        if session is None:
            deploy = functools.partial(self._deploy, logical_id, kind)
            session = FunctionSyncSession(
                logical_id, kind.value, deploy, self._status, self.debounce_s
            )
            self._sessions[(kind, logical_id)] = session
        return session

    def _status(self, status: SyncStatus) -> None:
        self.statuses[(status.target, status.function)] = status
        if status.notify:
            level = logging.WARNING if status.state is SyncState.FAILED else logging.INFO
            log.log(level, "%s (%s): %s", status.function, status.target, status.message)
        if self._listener is not None:
            self._listener(status)

    async def _activate(self, kind: SyncTarget) -> ActiveTarget:
        async with self._activating:
            active = self._active.get(kind)
            if active is not None:
                return active
            if kind is SyncTarget.EMULATOR:
                endpoint: str | None = self.emulator_endpoint()
            else:  # --endpoint-url with --target aws: Lambda's endpoint (as the AWS CLI has it)
                endpoint = self.endpoint_url if kind is self.settings.target else None
            active = await activate(
                self.settings.replace(target=kind),
                self.project,
                endpoint,
                self.retry,
                self._state_dir / "cache",
            )
            self._active[kind] = active
            return active

    async def _deploy(self, logical_id: str, kind: SyncTarget, progress: Progress) -> DeployOutcome:
        spec = self.project.functions.get(logical_id)
        if spec is None:
            raise permanent(f"{logical_id} is no longer in the project")
        active = await self._activate(kind)
        clients = active.clients
        if kind is SyncTarget.EMULATOR:
            platform = DependencyPlatform.LOCAL
            if self.settings.emulator_auto_start and not active.emulator_checked:
                await self.start_emulator()
                active.emulator_checked = True
        else:
            platform = DependencyPlatform.LAMBDA
        loop = asyncio.get_running_loop()

        def report(state: SyncState) -> None:  # called on the deploy's thread
            loop.call_soon_threadsafe(progress, state)

        def deploy() -> DeployOutcome:  # one thread for the blocking part: name, zip, upload
            if kind is SyncTarget.EMULATOR:
                name = (self.settings.name_prefix or "") + spec.function_name
            else:
                name = active.names.resolve(spec, lambda: clients.client("cloudformation"))
            package = self._builder.build(spec, platform)
            layers = active.layers.layer_arns(spec) if spec.layers else None
            outcome = active.deployer.deploy(spec, name, package, report, layers)
            url = active.urls.apply(spec, name)
            return dataclasses.replace(outcome, url=url) if url else outcome

        try:
            return await asyncio.to_thread(deploy)
        except SyncError as e:
            if kind is not SyncTarget.EMULATOR or e.permanent:
                raise
            if not self.settings.emulator_auto_start:
                raise SyncError(
                    f"{e.message} (is `lamina serve` running? Or turn on emulator.autoStart)",
                    permanent=False,
                ) from None
            await self.start_emulator()  # it went away: start it again, then try once more
            return await asyncio.to_thread(deploy)

    # --- life ---------------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)

        def finished(done: asyncio.Task[Any]) -> None:
            self._tasks.discard(done)
            if not done.cancelled() and done.exception() is not None:
                log.error("%s failed", done.get_name(), exc_info=done.exception())

        task.add_done_callback(finished)

    async def close(self, stop_emulator: bool = True) -> None:
        """Stop watching, cancel pending deploys, and stop the emulator if this manager
        started it (unless `stop_emulator` is False: a one-shot CLI leaves it running)."""
        if self._reload_timer is not None:
            self._reload_timer.cancel()
        await self.stop_watching()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(s.close() for s in self._sessions.values()))
        if stop_emulator:
            await self.stop_emulator()
