"""`lamina serve --api`: a saved file reaches the emulator's copy of its functions too.

At start every function of the template is deployed into the emulator (sample_deploy.py), so
a handler can invoke another through boto3. On each watcher event the functions whose package
holds the changed file (deploy/code_paths.py: inside its code dir, not left out by the built-in
excludes or its `.laminaignore`; not the code dir's events/ folder, as for the API) are packaged
again and stored through `deploy_function`, in-process: no HTTP, no polling. Per function, a
burst of events (an editor's save-all) gives at most two deploys: one at once, and one queued
follow-up for all the events that arrive while it runs (deploy/sync_session.py).

An unchanged package updates nothing (CodeSha256 and RevisionId stay, as on AWS), and only the
code changes: settings given through the emulator's API since the start stay, as after
UpdateFunctionCode. A broken save is deployed as AWS would take it (its invoke reports the
error); a failure to package keeps the copy the emulator has and says why once. A function
tagged with another project's id is never overwritten (deploy/project_identity.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from lamina.deploy.bundle import DependencyPlatform, PackageBuilder
from lamina.deploy.code_paths import CodePathIndex, is_sample_events
from lamina.deploy.function_deployer import DeployOutcome
from lamina.deploy.sync_errors import permanent
from lamina.deploy.sync_session import FunctionSyncSession, Progress
from lamina.deploy.sync_status import SyncState, SyncStatus
from lamina.emulator.api import Emulator
from lamina.emulator.sample_deploy import ProjectTags, deploy_function, local_refs
from lamina.project import Project
from lamina.project.spec import FunctionSpec

# No quiet spell: one save's events (modified, closed) would restart it, and 10 ms of it cost
# 18 ms of save-to-live in bench/serve_sync.py. Events already queued go together, and those
# arriving during a deploy queue one follow-up that packages the files as they are then.
QUIET_S = 0.0


class EmulatorCopies:
    """Keeps the emulator's copies of a project's functions in step with the files on disk."""

    def __init__(
        self,
        emu: Emulator,
        project: Project,
        cache_dir: Path,
        owner: ProjectTags,
        on_line: Callable[[str], None],
        quiet_s: float = QUIET_S,
    ) -> None:
        self.emu = emu
        self.project = project
        self.owner = owner
        self.on_line = on_line
        self.quiet_s = quiet_s
        self._builder = PackageBuilder(cache_dir)
        # Resolved, as the watcher reports paths under the resolved code dirs.
        self._dirs = {key: spec.code_dir.resolve() for key, spec in project.functions.items()}
        resolved = {
            key: dataclasses.replace(spec, code_dir=self._dirs[key])
            for key, spec in project.functions.items()
        }
        self._index = CodePathIndex(project.root.resolve(), resolved)
        self._sessions: dict[str, FunctionSyncSession] = {}
        self._changed_at: dict[str, float] = {}  # per logical id: the first unhandled event
        self._own_output = _own_output_files()

    def code_dirs(self) -> list[Path]:
        """The folders to watch: every function's code dir (not only the API's)."""
        return sorted({d for d in self._dirs.values() if d.is_dir()})

    def package(self, spec: FunctionSpec) -> bytes:
        """The function's zip (blocking), as saves build it: the same files give the same
        bytes, so the deploy at start and an unchanged save agree."""
        return self._builder.build(spec, DependencyPlatform.LOCAL).data

    def on_change(self, path: str) -> list[str]:
        """A file changed on disk: deploy the functions whose package holds it (soon)."""
        if self._own_output and _identity(path) in self._own_output:
            return []  # `lamina serve --api > serve.log` in a code dir: our own lines, no loop
        found = self._index.functions_for(path, os.path.isdir(path))
        ids = [i for i in found if not self._sample_event(i, path)]
        now = time.perf_counter()
        for logical_id in ids:
            self._changed_at.setdefault(logical_id, now)
            self._session(logical_id).request(debounce=True)
        return ids

    def _sample_event(self, logical_id: str, path: str) -> bool:
        """The code dir's events/ folder holds sample events (lamina api skips it too)."""
        relative = os.path.relpath(os.path.abspath(path), self._dirs[logical_id])
        return is_sample_events(relative.replace(os.sep, "/"))

    def _session(self, logical_id: str) -> FunctionSyncSession:
        session = self._sessions.get(logical_id)
        if session is None:

            async def deploy(progress: Progress) -> DeployOutcome:
                return await self._deploy(logical_id)

            session = FunctionSyncSession(
                logical_id, "emulator", deploy, self._report, debounce_s=self.quiet_s
            )
            self._sessions[logical_id] = session
        return session

    async def _deploy(self, logical_id: str) -> DeployOutcome:
        started = self._changed_at.pop(logical_id, None)
        spec = self.project.functions[logical_id]
        package = await asyncio.to_thread(self._builder.build, spec, DependencyPlatform.LOCAL)
        local = dataclasses.replace(spec, environment=local_refs(spec.environment, self.project))
        # Code only: settings changed through the emulator's API meanwhile stay.
        status = await deploy_function(self.emu, local, package.data, self.owner, code_only=True)
        if status.startswith("refused"):
            raise permanent(status.removeprefix("refused: "))
        if status != "unchanged":
            took = "" if started is None else f", {(time.perf_counter() - started) * 1000:.1f} ms"
            self.on_line(f"emulator: {spec.function_name} {status}{took} after the save")
        return DeployOutcome(
            spec.function_name,
            package.code_sha256,
            created=status == "created",
            code_updated=status == "updated",
        )

    def _report(self, status: SyncStatus) -> None:
        if status.state is SyncState.FAILED and status.notify:
            self.on_line(
                f"warning: {status.function}: the emulator keeps its copy: {status.message}"
            )
        elif status.state is SyncState.DONE and status.notify:  # the end of a run of failures
            self.on_line(f"emulator: {status.function} deploys again")

    async def close(self) -> None:
        for session in list(self._sessions.values()):
            await session.close()


def _identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _own_output_files() -> set[tuple[int, int]]:
    """The files this process's stdout and stderr write to (when they are files): each deploy
    prints a line, so a log file inside a code dir would otherwise deploy itself forever."""
    found: set[tuple[int, int]] = set()
    for fd in (1, 2):
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            found.add((info.st_dev, info.st_ino))
    return found
