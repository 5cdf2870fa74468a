"""File changes, from the editor (didSave, didChangeWatchedFiles) or from disk (watchdog, for
clients that can't watch files), and what each one means:

- the template or pyproject.toml, or an events/*.json: reload the project model, refresh the
  lenses and the template's diagnostics;
- a function's code or requirements.txt: retire its warm environments (the next run starts on
  the new code), prewarm again if its handler is open, check its diagnostics again, and (for
  a change from outside the editor) let sync deploy it after a quiet spell.

Changes are collected and handled together after a short quiet spell (saves come with watcher
events for the same file); a file whose mtime and size didn't move is not handled twice.
A run waits until pending changes are handled, so it never takes an environment a save is
about to retire.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from lamina.lsp.project_index import normalized
from lamina.project_files import is_project_file_name

if TYPE_CHECKING:
    from lamina.lsp.server import LaminaServer
    from lamina.lsp.workspace_state import WorkspaceState

log = logging.getLogger(__name__)
QUIET_S = 0.1
WATCHED_GLOBS = (
    "**/*.py",
    "**/template.yaml",
    "**/template.yml",
    "**/template.json",
    "**/pyproject.toml",
    "**/samconfig.{toml,yaml,yml}",
    "**/serverless.{yml,yaml}",
    "**/*.{tf,tfvars}",
    "**/*.{tf,tfvars}.json",
    "**/cdk.out/manifest.json",
    "**/events/*.json",
    "**/requirements.txt",
)
IGNORED_FOLDERS = frozenset(
    {".git", ".lamina", "__pycache__", ".venv", "venv", "node_modules", ".aws-sam", ".mypy_cache"}
)
_WATCHDOG_EVENTS = frozenset({"created", "modified", "deleted", "moved", "closed"})


def is_interesting(path: Path, root: Path) -> bool:
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = path.parts
    if IGNORED_FOLDERS.intersection(parts):
        return False
    name = path.name
    return (
        name.endswith(".py")
        or name == "requirements.txt"
        or is_project_file_name(path)
        or (name.endswith(".json") and path.parent.name == "events")
    )


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


class FileChanges:
    def __init__(self, ls: LaminaServer, state: WorkspaceState) -> None:
        self.ls = ls
        self.state = state
        self._pending: set[Path] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._seen: dict[str, tuple[int, int] | None] = {}
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._observer: Any = None
        self._observer_lock = threading.Lock()  # start, schedule and stop never overlap
        self._stopped = False
        self._watched: frozenset[tuple[str, bool]] = frozenset()

    # --- intake -------------------------------------------------------------------------------

    def submit(self, paths: Iterable[Path]) -> None:
        """Handle these paths after the quiet spell (watcher events)."""
        fresh = {path for path in paths if self._interesting(path)}
        if not fresh:
            return
        self._pending |= fresh
        self._idle.clear()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(QUIET_S, self._flush)

    def _flush(self) -> None:
        self._timer = None
        paths, self._pending = self._pending, set()
        self.ls.tasks.spawn(self.handle(paths), "file changes")

    async def handle(self, paths: Iterable[Path], saved: bool = False) -> None:
        """Handle these paths now (`saved`: the editor saved them, and sync has been told)."""
        self._busy += 1
        self._idle.clear()
        try:
            await self._handle(list(paths), saved)
        finally:
            self._busy -= 1
            if not self._busy and not self._pending:
                self._idle.set()

    def _interesting(self, path: Path) -> bool:
        """A file Lamina follows, or one the project was read from (`--template` elsewhere)."""
        return is_interesting(path, self.state.root) or self.state.index.is_project_file(path)

    def remember(self, paths: Iterable[Path]) -> None:
        """Note these files as they are now: a later change to them counts, this state doesn't."""
        for path in paths:
            self._seen[normalized(path)] = _stamp(path)

    def project_files(self) -> list[Path]:
        from lamina.project_files import PROJECT_FILES

        return [self.state.root / name for name in PROJECT_FILES]

    async def settled(self) -> None:
        """Wait until every change seen so far has been handled."""
        await self._idle.wait()

    # --- what a change means ------------------------------------------------------------------

    def _moved(self, path: Path) -> bool:
        key = normalized(path)
        stamp = _stamp(path)
        if key in self._seen and self._seen[key] == stamp:
            return False
        self._seen[key] = stamp
        return True

    async def _handle(self, paths: list[Path], saved: bool = False) -> None:
        from lamina.lsp.code_lenses import refresh_lenses

        changed = [path for path in paths if self._interesting(path) and self._moved(path)]
        if not changed:
            return
        state = self.state
        index = state.index
        events_changed = any(p.suffix == ".json" for p in changed)
        project_changed = events_changed or any(index.is_project_file(p) for p in changed)
        if project_changed:
            index.reload()
            await index.current()
            await self._watch_folders()
            if any(p.name == "pyproject.toml" for p in changed):
                from lamina.lsp.configuration import refresh_settings

                await refresh_settings(self.ls)
            refresh_lenses(self.ls)
            if index.last_good is not None and index.error is None:
                state.sync.project_changed(index.last_good.project)
        code = [p for p in changed if p.suffix == ".py" or p.name == "requirements.txt"]
        if not saved:
            for path in code:
                state.sync.changed(str(path))
        retired: set[str] = set()
        for path in code:
            retired.update(await state.runner.retire_using(path))
        if retired:
            log.info("code changed: %s will start cold", ", ".join(sorted(retired)))
        if code or project_changed:
            await state.diagnostics.template()
        for path in code:
            await state.diagnostics.file_changed(path)
        if code:
            await self._prewarm_open_handlers(retired)

    async def _prewarm_open_handlers(self, retired: set[str]) -> None:
        from pygls.uris import to_fs_path

        loaded = self.state.index.last_good
        if loaded is None:
            return
        for uri in list(self.ls.workspace.text_documents):
            path = to_fs_path(uri)
            for spec in loaded.specs_for_file(Path(path)) if path else []:
                if spec.function_name in retired:
                    self.ls.tasks.spawn(
                        self.state.runner.prewarm(spec), f"prewarm {spec.logical_id}"
                    )

    # --- watching -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Ask the client to watch the files; where it can't, watch them here. A project file
        that changed between the first load and now is caught up with."""
        await self._start_watching()
        moved = [p for p in self.project_files() if self._seen.get(normalized(p)) != _stamp(p)]
        if moved:
            self.submit(moved)

    async def _start_watching(self) -> None:
        ls = self.ls
        if ls.capability("workspace.did_change_watched_files.dynamic_registration"):
            registration = types.Registration(
                id="lamina-watched-files",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED_GLOBS]
                ),
            )
            try:
                await ls.client_register_capability_async(
                    types.RegistrationParams(registrations=[registration])
                )
                return
            except Exception as e:
                log.info("the client can't watch files (%s); watching them here", e)
        await self._start_watchdog()

    async def _start_watchdog(self) -> None:
        from watchdog.observers import Observer

        observer = Observer()
        observer.daemon = True
        self._observer = observer
        await self._watch_folders()

        def start() -> None:
            with self._observer_lock:
                if not self._stopped:
                    observer.start()

        await asyncio.to_thread(start)

    def _folders(self) -> frozenset[tuple[str, bool]]:
        root = self.state.root
        folders = {(str(root), False)}
        if (root / "events").is_dir():
            folders.add((str(root / "events"), False))
        loaded = self.state.index.last_good
        for spec in loaded.project.functions.values() if loaded else []:
            folder = Path(os.path.abspath(spec.code_dir))
            if folder.is_dir() and normalized(folder) != normalized(root):
                folders.add((str(folder), True))
        return frozenset(folders)

    async def _watch_folders(self) -> None:
        observer = self._observer
        if observer is None:
            return
        folders = self._folders()
        if folders == self._watched:
            return
        self._watched = folders
        loop = asyncio.get_running_loop()
        handler = _WatchdogHandler(loop, self.submit, self.state.root)

        def schedule() -> None:
            with self._observer_lock:
                if self._stopped:
                    return
                observer.unschedule_all()
                for folder, recursive in sorted(folders):
                    try:
                        observer.schedule(handler, folder, recursive=recursive)
                    except OSError as e:
                        log.warning("cannot watch %s: %s", folder, e)

        await asyncio.to_thread(schedule)

    async def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        observer, self._observer = self._observer, None
        if observer is None:
            return

        def stop() -> None:
            with self._observer_lock:
                if observer.is_alive():
                    observer.stop()
                    observer.join(5)

        await asyncio.to_thread(stop)


class _WatchdogHandler:
    """watchdog calls on its own thread: hop to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, submit: Any, root: Path) -> None:
        self.loop = loop
        self.submit = submit
        self.root = root

    def dispatch(self, event: Any) -> None:
        if event.is_directory or event.event_type not in _WATCHDOG_EVENTS:
            return
        paths = [Path(os.fsdecode(event.src_path))]
        if getattr(event, "dest_path", None):
            paths.append(Path(os.fsdecode(event.dest_path)))
        interesting = [path for path in paths if is_interesting(path, self.root)]
        if interesting and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.submit, interesting)
