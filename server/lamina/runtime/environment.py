"""An execution environment: one child Python process playing one Lambda sandbox.

The child runs a runtime client (Lamina's bootstrap or awslambdaric) that talks to this process only
through the Runtime API, served on the environment's own loopback port. This class owns the child's
life: init, invocations, the freeze between them, the timeout and memory limit, and its output.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import time
from typing import Any

from lamina.bounded_wait import wait_at_most
from lamina.runtime import package_set, process_limits, sandbox_errors
from lamina.runtime.api_server import PendingEvent, RuntimeApiServer
from lamina.runtime.child_process import ChildProcess
from lamina.runtime.child_spawn import spawn_child
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.deadline import Deadline
from lamina.runtime.debug import DebugSettings
from lamina.runtime.debugger_link import DebuggerLink
from lamina.runtime.environment_state import EnvironmentGone, EnvironmentState
from lamina.runtime.environment_watch import EnvironmentWatch
from lamina.runtime.extension_hooks import ExtensionHooks
from lamina.runtime.init_phase import InitPhase
from lamina.runtime.init_wait import ChildEnd, await_init
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.invocation_answer import InvocationAnswer
from lamina.runtime.invocation_messages import Outcome, api_error, event_headers
from lamina.runtime.invocation_report import finished
from lamina.runtime.log_lines import OutputCapture, start_line

# How long kill() waits for the SIGKILLed child's exit to be reported before cleaning up anyway.
KILL_WAIT_S = 5.0
_MB = 1024 * 1024
_INVALID_REQUEST_ID = 400, api_error("InvalidRequestID", "Invalid request ID")

__all__ = ["EnvironmentGone", "EnvironmentState", "ExecutionEnvironment"]


class ExecutionEnvironment:
    _api_server = RuntimeApiServer  # one invocation at a time (managed_environment.py: several)

    def __init__(
        self,
        config: FunctionConfig,
        options: RuntimeOptions,
        credentials_env: dict[str, str] | None = None,
        freeze: bool | None = None,
        child: ChildProcess | None = None,
        debug: DebugSettings | None = None,
        provisioned: bool = False,
    ) -> None:
        self.config = config
        self.options = options
        # Provisioned concurrency: init runs ahead, so no invoke reports an Init Duration.
        self.provisioned = provisioned
        self.credentials_env = credentials_env or {}
        self.debug = debug
        # Debug environments never freeze: a paused debugger must stay reachable.
        self.freeze_between_invokes = (
            options.freeze if freeze is None else freeze
        ) and debug is None
        self.debugger = DebuggerLink(debug) if debug is not None else None
        self._deadline = Deadline()  # the current invocation's timeout
        self.state = EnvironmentState.INIT
        self.invocations = 0
        self.last_used = time.monotonic()
        self.retired = False  # set by the pool: finish the current invocation, then go
        self._child = child  # spawned ahead of start(), or by it
        self._api = self._api_server(
            self, owner=lambda: self._child.tree_root() if self._child else None
        )
        self._capture = OutputCapture(options.max_log_bytes)
        self._init = InitPhase()
        self._killed = False
        self._current: str | None = None  # request id in flight
        self._answer: InvocationAnswer | None = None  # the last invocation's, as it comes
        self._exited: asyncio.Future[int] | None = None
        self._cleaned = False
        self._cleanup_task: asyncio.Future[None] | None = None
        self._watch: EnvironmentWatch | None = None  # memory, liveness, the freeze
        # Extensions and the Telemetry API (extension_hooks.py).
        self._ext = ExtensionHooks(config, self._api, self._capture.write, self.on_init_error)

    @property
    def pid(self) -> int | None:
        return self._child.proc.pid if self._child else None

    @property
    def runtime_pid(self) -> int | None:
        """The runtime's own pid (below `pid` when the environment has a PID namespace)."""
        return self._child.runtime_pid if self._child else None

    @property
    def runtime_api(self) -> str:
        return self._child.runtime_api if self._child else ""

    @property
    def initialization_type(self) -> str:
        """AWS_LAMBDA_INITIALIZATION_TYPE."""
        return "provisioned-concurrency" if self.provisioned else "on-demand"

    @property
    def init_duration_ms(self) -> float | None:
        return self._init.duration_ms

    def _returncode(self) -> int | None:
        return self._child.proc.returncode if self._child else None

    # --- life ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Spawn the child (unless it was spawned ahead) and serve its Runtime API. Init runs on
        its own; `invoke` waits for it."""
        loop = self._loop = asyncio.get_running_loop()
        self._init.begin(loop)
        self._exited = loop.create_future()
        if self.debugger is not None:
            self.debugger.start(loop)
        try:
            await self._start_child(loop)
        except BaseException as e:
            # An invoke that leased this environment while it started must not wait forever.
            self.state = EnvironmentState.DEAD
            self._init.started(e if isinstance(e, Exception) else EnvironmentGone())
            raise
        self._init.started()

    async def _start_child(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._child is None:
            config = self.config
            await package_set.ready_off_loop(config.interpreter(self.options), config.runtime)
            self._stop_if_killed()
            self._child = spawn_child(
                self.config, self.options, self.credentials_env, self.debug,
                self.initialization_type, self.options.fork_server,
            )  # fmt: skip
        try:
            await self._api.start(self._child.listener)
        except BaseException:
            self._child.discard()
            raise
        if self._killed:  # killed meanwhile: kill() could not wait for a child not yet watched
            await self._api.close()
            self._child.discard()
            self._stop_if_killed()
        self._watch = EnvironmentWatch(self._child, self._ext.extension_pids)
        self._ext.start(self._child, self._watch)
        self._child.watch(loop, self._ext.output(self._capture.write), self._on_exit)

    async def kill(self) -> None:
        """End the environment now, whatever it is doing (after the extensions' SHUTDOWN; a
        start() under way stops at its next step and discards its child)."""
        self._killed = True
        if self._ext.resetting is not None:  # a reset's SHUTDOWN: let the extensions finish
            await asyncio.shield(self._ext.resetting)
        elif self.state is not EnvironmentState.DEAD and self._current is None:
            await self._ext.shutdown("spindown")
        self._signal(signal.SIGKILL)
        if self._exited is not None and self._returncode() is None and self._init.running:
            # only a watched child's exit is ever reported; bounded: a kill must end
            await wait_at_most(self._exited, KILL_WAIT_S)
        await self._cleanup()
        if self._cleanup_task is not None:  # the exit's own cleanup may have begun first
            await asyncio.shield(self._cleanup_task)

    def _stop_if_killed(self) -> None:
        if self._killed:
            raise EnvironmentGone("the environment was stopped while it started")

    def _looks_gone(self) -> bool:
        if self.state is EnvironmentState.DEAD or self._api.runtime_gone():
            return True
        return self._watch is not None and self._watch.looks_gone()

    def _signal(self, sig: int) -> None:
        if self._child is not None:
            self._child.signal(sig)

    def _on_exit(self) -> None:
        returncode = self._returncode() or 0
        self._drain_output()
        self.state = EnvironmentState.DEAD
        self._init.end()
        self._ext.runtime_exited(self._current is not None and self._init.error is None)
        if self._current is not None:
            if self._init.error is not None and self.invocations == 1:
                self._settle(Outcome(False, self._init.error))
            else:
                self._settle(Outcome.error(sandbox_errors.exit_error(self._current, returncode)))
        self._api.cancel_pending()
        if self.debugger is not None:
            self.debugger.exited(returncode)
        if self._exited is not None and not self._exited.done():
            self._exited.set_result(returncode)
        # A strong reference until done: the loop keeps only weak ones to tasks.
        self._cleanup_task = asyncio.ensure_future(self._cleanup())

    async def _cleanup(self) -> None:
        self.state = EnvironmentState.DEAD
        if self._cleaned:
            return
        self._cleaned = True
        await self._ext.finish()  # after the extensions' SHUTDOWN, if under way
        await self._api.close()
        self._deadline.close()
        if self._watch is not None:
            self._watch.close()
        if self._child is not None:
            self._drain_output()
            await process_limits.release_off_loop(self._child.cap)  # off the loop: it can be slow
            self._child.close(asyncio.get_running_loop())

    def _drain_output(self) -> None:
        """Read whatever the child wrote so far, synchronously, so that the log is complete."""
        while self._child is not None and (data := self._child.read_pending()):
            self._capture.write(data)
        self._ext.drain()

    # --- invoking -----------------------------------------------------------------------------

    async def invoke(self, request: InvocationRequest) -> InvocationResult:
        assert self._init.begun, "start() first"
        if self.invocations and self._looks_gone():
            self.state = EnvironmentState.DEAD
            raise EnvironmentGone(f"environment {self.pid} is gone")
        self.invocations += 1
        self.state = EnvironmentState.BUSY
        self._current = request.request_id
        self._answer = InvocationAnswer(request.request_id, request.on_chunk, self._loop)
        try:
            return await self._run(request, cold=self.invocations == 1)
        except asyncio.CancelledError:
            # The caller gave up (an editor's cancel, Ctrl+C) during init or the invoke: the
            # function may still be running, so this environment can't take another event.
            self._kill_soon()
            raise

    async def _run(self, request: InvocationRequest, cold: bool) -> InvocationResult:
        answer = self._answer
        assert answer is not None
        prefix = ""
        if cold:
            await self._await_init(request.request_id)
            self._drain_output()
            prefix = self._capture.take()
        prefix += start_line(request.request_id, self.config.version)
        started = time.perf_counter()
        if not answer.outcome.done():  # init went well
            self._deliver(request)
            if not self._timeout_suspended():
                timed_out = functools.partial(self._on_timeout, request.request_id)
                self._deadline.arm(started + self.config.timeout, timed_out)
            assert self._watch is not None
            limit = self.config.memory_size * _MB
            self._watch.start_polling(limit, lambda: self._current is not None, self._over_memory)
            try:
                result = await answer.outcome
                ext = self._ext
                if ext.involved and not await ext.invoke_done(request.request_id, started, result):
                    answer.reopen()  # the extensions ran past the timeout
                    self._on_timeout(request.request_id)
            finally:
                self._deadline.cancel()
                self._watch.stop_polling()
        outcome = answer.outcome.result()
        duration_ms = (time.perf_counter() - started) * 1000
        self._drain_output()
        return self._finish(request, outcome, prefix, duration_ms, cold)

    async def _await_init(self, request_id: str) -> None:
        # A debug environment's init waits for the editor to attach: no limit on that.
        limit = None if self.debug is not None else self.options.init_timeout
        dead = lambda: self.state is EnvironmentState.DEAD  # noqa: E731
        child = ChildEnd(self._exited, self._returncode, dead, self.kill)
        try:  # a start that failed or was stopped raises here, as for an invoke that spawned
            await await_init(
                self._init, request_id, limit, self.options.init_timeout, child,
                self._settle, self._capture.write,
            )  # fmt: skip
        except BaseException:
            self.state = EnvironmentState.DEAD
            raise

    def _deliver(self, request: InvocationRequest) -> None:
        headers = event_headers(request, self.config.arn, self.config.timeout)
        self._ext.invoke(request.request_id, int(headers["Lambda-Runtime-Deadline-Ms"]), headers)
        # The event first, then the thaw: the runtime wakes once, with its answer already there.
        self._api.deliver(PendingEvent(request.request_id, request.payload, headers))
        if self._watch is not None:
            self._watch.thaw()

    def _finish(
        self,
        request: InvocationRequest,
        outcome: Outcome,
        prefix: str,
        duration_ms: float,
        cold: bool,
    ) -> InvocationResult:
        peak = self._peak_rss()
        # A provisioned environment's init happened before any request: no Init Duration.
        init_ms = self.init_duration_ms if cold and not self.provisioned else None
        init_failed = cold and self._init.error is not None
        result, error, report = finished(
            request.request_id, self.config, outcome, prefix, self._capture.take(),
            duration_ms, peak, init_ms, init_failed, self._timeout_suspended(),
        )  # fmt: skip
        self._ext.report(request.request_id, error, report)
        self._current = None
        self.last_used = time.monotonic()
        if self.state is not EnvironmentState.DEAD:  # fatal errors have already marked it DEAD
            self.state = EnvironmentState.READY
        return result

    def _peak_rss(self) -> int:
        """The peak memory the REPORT line gives (Max Memory Used)."""
        return self._watch.peak_rss() if self._watch else 0

    def _settle(self, outcome: Outcome) -> None:
        if self._answer is not None:
            self._answer.settle(outcome)

    def _on_timeout(self, request_id: str) -> None:
        if self._current != request_id:
            return
        self._settle(Outcome.error(sandbox_errors.timed_out(request_id, self.config.timeout)))
        self._reset("timeout")

    def _over_memory(self) -> None:
        if self._current is not None:
            self._settle(Outcome.error(sandbox_errors.out_of_memory(self._current)))
        self._reset("failure")

    def _reset(self, reason: str) -> None:
        """End the environment after a timeout or a failure (with a SHUTDOWN to its extensions
        first, extension_hooks.reset)."""
        self.state = EnvironmentState.DEAD
        if not self._ext.reset(reason, self._kill_soon):
            self._kill_soon()

    def _kill_soon(self) -> None:
        self.state = EnvironmentState.DEAD
        self._drain_output()
        self._signal(signal.SIGKILL)

    def _timeout_suspended(self) -> bool:
        return self.debugger is not None and self.debugger.suspends_timeout

    @property
    def debug_port(self) -> int | None:
        """debugpy's port (see `debugger.listening()` to wait for it)."""
        return self.debugger.port if self.debugger is not None else None

    def on_debugger(self, event: str, payload: dict[str, Any]) -> None:
        if self.debugger is not None and self.debugger.on_event(event, payload):
            self._deadline.cancel()  # an attached debugger stops the function's clock

    # --- RuntimeApiListener: called by the Runtime API server ----------------------------------

    def on_next(self) -> None:
        if self._ext.hold_next(self._runtime_waits):
            return  # an extension is still at work: init or the invocation isn't over yet
        self._runtime_waits()

    def _runtime_waits(self) -> None:
        """The runtime and every extension wait in their /next."""
        if self._init.finish(self._child):
            if self._watch is not None:
                self._watch.runtime_started()
            if self.state is EnvironmentState.INIT:  # a cold invoke may already have made it BUSY
                self.state = EnvironmentState.READY
        alive = self.state is not EnvironmentState.DEAD
        if self.freeze_between_invokes and alive and self._watch is not None:
            self._watch.freeze()

    def on_stream_chunk(self, request_id: str, data: bytes) -> None:
        """A streamed response's chunk, as it comes: to the invocation's `on_chunk`."""
        if self._answer is not None and request_id == self._current:
            self._answer.chunk(data)

    def on_response(self, request_id: str, body: bytes, content_type: str) -> tuple[int, str]:
        answer = self._answer if request_id == self._current else None
        return answer.response(body, content_type) if answer is not None else _INVALID_REQUEST_ID

    def on_invocation_error(self, request_id: str, body: bytes) -> tuple[int, str]:
        answer = self._answer if request_id == self._current else None
        return answer.error(body) if answer is not None else _INVALID_REQUEST_ID

    def on_init_error(self, body: bytes, error_type: str) -> None:
        self._init.error = body
        self._init.finish(self._child)
        if self._watch is not None:  # the runtime waits for our answer: still there to measure
            self._watch.runtime_started()
            self._watch.note_peak()
