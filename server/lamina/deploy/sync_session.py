"""One function's deploys to one target, in order, coalesced.

- At most one deploy runs at a time. Requests that arrive during a deploy queue exactly one
  follow-up; the follow-up packages the files as they are when it starts, so the last saved
  content wins, and deploys reach the target in the order they started.
- `request(debounce=True)` (file watchers) waits for a quiet spell first, restarted by every
  further request, so a burst of writes gives one deploy. `request()` (an editor's save, the
  sync command) starts at once.
- A failure is reported (`notify=True`) once; the same failure again is not, and the next
  success says it recovered. The session keeps deploying on request: a cause fixed outside
  (a role granted, a stack deployed, an emulator started) heals it without any action.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from lamina.deploy.function_deployer import DeployOutcome
from lamina.deploy.sync_errors import classify
from lamina.deploy.sync_settings import DEFAULT_DEBOUNCE_S
from lamina.deploy.sync_status import StatusListener, SyncState, SyncStatus

log = logging.getLogger(__name__)

Progress = Callable[[SyncState], None]
DeployCall = Callable[[Progress], Awaitable[DeployOutcome]]


class FunctionSyncSession:
    def __init__(
        self,
        function: str,
        target: str,
        deploy: DeployCall,
        listener: StatusListener,
        debounce_s: float = DEFAULT_DEBOUNCE_S,
    ) -> None:
        self.function = function
        self.target = target
        self.debounce_s = debounce_s
        self.deploy_count = 0  # deploys started, for tests and benchmarks
        self.last = SyncStatus(function, target, SyncState.IDLE)
        self._deploy = deploy
        self._listener = listener
        self._requested = 0  # requests fired so far
        self._finished = 0  # requests covered by finished deploys
        self._busy = False
        self._queued = False
        self._failure: str | None = None
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()  # nothing running, queued or debouncing
        self._settled.set()
        self._timer: asyncio.TimerHandle | None = None
        self._worker: asyncio.Task[None] | None = None
        self._waiters: list[tuple[int, asyncio.Future[SyncStatus]]] = []

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def pending(self) -> bool:
        """A deploy is running, queued, or waiting for its quiet spell."""
        return self._busy or self._queued or self._wake.is_set() or self._timer is not None

    # --- requests ---------------------------------------------------------------------------

    def request(self, debounce: bool = False) -> None:
        """Deploy soon: at once, or after `debounce_s` without another debounced request."""
        self._mark_queued(debounce)
        if not debounce:
            self._fire()
            return
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.debounce_s, self._fire)

    async def sync_now(self) -> SyncStatus:
        """Deploy now (after the running deploy, if any) and return how that deploy ended."""
        self._mark_queued(False)
        self._fire()
        future: asyncio.Future[SyncStatus] = asyncio.get_running_loop().create_future()
        self._waiters.append((self._requested, future))
        return await future

    async def idle(self) -> SyncStatus:
        """Wait until nothing is running, queued or debouncing; the last status."""
        await self._settled.wait()
        return self.last

    def _mark_queued(self, debounce: bool) -> None:
        self._settled.clear()
        if not self._queued and (self._busy or debounce):
            self._emit(SyncStatus(self.function, self.target, SyncState.QUEUED))
        self._queued = True

    def _fire(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._requested += 1
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(
                self._run(), name=f"lamina-sync-{self.target}-{self.function}"
            )
            self._worker.add_done_callback(self._worker_done)

    def _worker_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("sync of %s stopped", self.function, exc_info=task.exception())

    # --- deploying --------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            covered = self._requested
            self._busy, self._queued = True, False
            try:
                status = await self._deploy_once()
            finally:
                self._busy = False
            self._finished = covered
            self._resolve_waiters(status)
            if not self._wake.is_set() and self._timer is None:
                self._settled.set()

    async def _deploy_once(self) -> SyncStatus:
        self.deploy_count += 1
        self._progress(SyncState.PACKAGING)
        try:
            outcome = await self._deploy(self._progress)
        except asyncio.CancelledError:
            raise
        except Exception as raw:
            error = classify(raw)
            log.debug("sync of %s failed: %s", self.function, error.message, exc_info=raw)
            notify = error.message != self._failure
            self._failure = error.message
            status = SyncStatus(
                self.function, self.target, SyncState.FAILED, message=error.message, notify=notify
            )
        else:
            recovered = self._failure is not None
            self._failure = None
            status = SyncStatus(
                self.function,
                self.target,
                SyncState.DONE,
                code_sha256=outcome.code_sha256,
                version=outcome.version,
                message=outcome.summary() + (" (recovered)" if recovered else ""),
                notify=recovered,
            )
        self._emit(status)
        return status

    def _progress(self, state: SyncState) -> None:
        self._emit(SyncStatus(self.function, self.target, state))

    def _emit(self, status: SyncStatus) -> None:
        self.last = status
        try:
            self._listener(status)
        except Exception:
            log.exception("a sync status listener failed")

    def _resolve_waiters(self, status: SyncStatus) -> None:
        still: list[tuple[int, asyncio.Future[SyncStatus]]] = []
        for wanted, future in self._waiters:
            if future.done():
                continue
            if wanted <= self._finished:
                future.set_result(status)
            else:
                still.append((wanted, future))
        self._waiters = still

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        for _, future in self._waiters:
            if not future.done():
                future.cancel()
        self._waiters.clear()
        self._settled.set()
