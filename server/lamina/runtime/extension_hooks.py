"""Where an execution environment's life meets its extensions and the Telemetry API.

The environment (environment.py) calls these at its lifecycle's points; with no extension
registered each is a check or two, so a plain function's warm invoke pays nothing measurable.
The Extensions and Telemetry APIs are served on the environment's Runtime API port
(extensions_api.py, telemetry.py), so `AWS_LAMBDA_RUNTIME_API` is their address too, as on Lambda.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lamina.runtime import pid_namespace
from lamina.runtime.config import FunctionConfig
from lamina.runtime.extensions_api import (
    EXTENSION_PREFIX,
    LAMINA_PREFIX,
    LOGS_PATH,
    TELEMETRY_PATH,
    ExtensionHost,
    FunctionFacts,
)
from lamina.runtime.invocation_messages import Outcome
from lamina.runtime.log_lines import Report
from lamina.runtime.telemetry import PlatformRecords

if TYPE_CHECKING:
    from lamina.runtime.api_server import RuntimeApiServer
    from lamina.runtime.child_process import ChildProcess
    from lamina.runtime.environment_watch import EnvironmentWatch

# What an extension's failed init tells the environment: (the error's body, its type).
InitErrorSink = Callable[[bytes, str], None]


class ExtensionHooks:
    """Given what it needs of its environment, nothing more: the function's configuration, the
    Runtime API server (whose port serves the other APIs), where the log goes, and whom to tell
    of an extension's failed init; at start, the child and its watch."""

    def __init__(
        self,
        config: FunctionConfig,
        api: RuntimeApiServer,
        log: Callable[[bytes], None],
        on_init_error: InitErrorSink,
    ) -> None:
        self.config = config
        self._api = api
        self._log = log
        self._on_init_error = on_init_error
        self._child: ChildProcess | None = None
        self._watch: EnvironmentWatch | None = None
        self.host: ExtensionHost | None = None
        self.records: PlatformRecords | None = None
        self._invoke_started = 0.0
        self.resetting: asyncio.Future[None] | None = None  # a reset's SHUTDOWN, then the kill
        self._host_pids: tuple[tuple[int, ...], list[int]] = ((), [])  # (reported, host pids)

    def start(self, child: ChildProcess, watch: EnvironmentWatch) -> None:
        """Serve the APIs, start the init phase's records, and read the extensions' output."""
        self._child, self._watch, config = child, watch, self.config
        facts = FunctionFacts(config.function_name, config.version, config.handler, config.account)
        host = self.host = ExtensionHost(facts, child.extensions, self._init_error, self._awake)
        for prefix in (EXTENSION_PREFIX, LAMINA_PREFIX, TELEMETRY_PATH, LOGS_PATH):
            self._api.add_route(prefix, host.route)
        self.records = PlatformRecords(host.telemetry, config.function_name, config.version)
        self.records.init_start()
        fd = child.extension_output_fd
        if fd >= 0:

            def read() -> None:
                if self._read_extensions() is None:
                    asyncio.get_running_loop().remove_reader(fd)

            asyncio.get_running_loop().add_reader(fd, read)

    def _awake(self) -> bool:
        """Not frozen between invokes (telemetry batches wait for the thaw)."""
        watch = self._watch
        return watch is None or not watch.frozen

    def _read_extensions(self) -> bytes | None:
        """The extensions' output so far: to the log, and as `extension` records."""
        child = self._child
        if child is None or child.extension_output_fd < 0 or self.host is None:
            return None
        data = _read(child.extension_output_fd)
        if data:
            self._log(data)
            self.host.telemetry.lines("extension", data)
        return data

    def drain(self) -> None:
        while self._read_extensions():
            pass

    def output(self, write: Callable[[bytes], None]) -> Callable[[bytes], None]:
        """The function's output: to the log, and as `function` records (kept from the start
        for a subscription made later in init) once an extension may subscribe."""
        host = self.host

        def both(data: bytes) -> None:
            write(data)
            if host is not None and host.telemetry.recording:
                host.telemetry.lines("function", data)

        return both

    def hold_next(self, then: Callable[[], None]) -> bool:
        """The runtime called /next: True if an extension is still at work (`then` is called
        once they all wait too)."""
        host = self.host
        if host is None or not host.active or host.idle():
            self._init_over()
            return False

        def all_wait() -> None:
            self._init_over()
            then()

        host.when_idle(all_wait)
        return True

    def _init_over(self) -> None:
        host = self.host
        if host is not None and host.in_init:
            host.init_done()
            if self.records is not None and host.telemetry.recording:
                self.records.init_done(None, _since(self._spawned_at()))

    def _init_error(self, body: bytes, error_type: str) -> None:
        """An extension failed init: so does the environment, with that error."""
        host = self.host
        if host is not None and host.in_init:
            host.init_done()
            if self.records is not None:
                self.records.init_done(error_type, _since(self._spawned_at()))
        self._on_init_error(body, error_type)
        if self._child is not None:
            self._child.signal(signal.SIGKILL)

    def _spawned_at(self) -> float:
        return self._child.spawned_at if self._child else time.perf_counter()

    def invoke(self, request_id: str, deadline_ms: int, headers: dict[str, str]) -> None:
        host = self.host
        if host is None or not host.telemetry.recording and not host.active:
            return
        trace = headers.get("Lambda-Runtime-Trace-Id", "")
        arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self._invoke_started = time.perf_counter()
        if self.records is not None:
            self.records.start(request_id, trace)
        host.invoke(request_id, deadline_ms, arn, trace)

    @property
    def involved(self) -> bool:
        """Whether an invocation's end concerns any extension (or telemetry subscriber)."""
        host = self.host
        return host is not None and (host.telemetry.recording or host.active)

    async def invoke_done(self, request_id: str, started: float, result: Outcome) -> bool:
        """The runtime has answered with `result`: wait for the extensions (within the
        function's timeout). False if they ran past it."""
        host = self.host
        if host is None or not host.telemetry.recording and not host.active:
            return True
        size = len(result.body)
        error_type = None if result.ok else _error_type(result.body)
        if self.records is not None:
            self.records.runtime_done(request_id, error_type, _since(started), size)
        host.telemetry.flush()
        remaining = started + self.config.timeout - time.perf_counter()
        return await host.wait_idle(remaining)

    def report(self, request_id: str, error: dict[str, Any] | None, report: Report) -> None:
        host = self.host
        if host is None or self.records is None or not host.telemetry.recording:
            return
        metrics: dict[str, Any] = {
            "durationMs": round(report.duration_ms, 3),
            "billedDurationMs": report.billed_duration_ms,
            "memorySizeMB": report.memory_size_mb,
            "maxMemoryUsedMB": report.max_memory_used_mb,
        }
        if report.init_duration_ms is not None:
            metrics["initDurationMs"] = round(report.init_duration_ms, 3)
        error_type = str(error.get("errorType", "")) if error else None
        self.records.report(request_id, error_type, metrics)

    def reset(self, reason: str, kill: Callable[[], None]) -> bool:
        """After a timeout ("timeout") or a failure ("failure"), as Lambda resets an environment:
        the runtime stops at once, the extensions registered for SHUTDOWN get it with `reason`
        (and their 2 s), then `kill`. False, with nothing done, if no extension asked for it."""
        host = self.host
        if host is None or not host.wants_shutdown() or self.resetting is not None:
            return False
        if self._child is not None:
            self._child.signal_runtime(signal.SIGSTOP)
        self._shut_down_then(reason, kill)
        return True

    def runtime_exited(self, mid_invoke: bool) -> None:
        """The runtime exited by itself. Mid-invoke that is a failure: the extensions registered
        for SHUTDOWN get it (and their 2 s; in a PID namespace its init keeps them for that,
        pid_namespace._linger) before what is left is killed. Otherwise that is killed now."""
        child, host = self._child, self.host
        if child is None or self.resetting is not None:  # a reset's kill ends it all
            return
        if mid_invoke and child.lingering() and host is not None and host.wants_shutdown():
            self._shut_down_then("failure", child.end_rest)
        else:
            child.end_rest()

    def _shut_down_then(self, reason: str, kill: Callable[[], None]) -> None:
        async def shut_down() -> None:
            try:
                await self.shutdown(reason)
            finally:
                kill()

        self.resetting = asyncio.ensure_future(shut_down())

    async def shutdown(self, reason: str) -> None:
        """SHUTDOWN to the extensions that asked for it, before the environment is killed."""
        host = self.host
        if host is None or not host.wants_shutdown():
            return
        if self._watch is not None:
            self._watch.thaw()
        await host.shutdown(reason, self._alive_check())

    def extension_pids(self) -> list[int]:
        """The host pids of the external extensions, as their launcher reported them (looked
        up once per report in a PID namespace, where the reported pids are the namespace's)."""
        host, child = self.host, self._child
        if host is None or child is None or not host.pids:
            return []
        reported = tuple(host.pids.values())
        if reported != self._host_pids[0]:
            pids = list(reported)
            if child.namespaced:
                inside = pid_namespace.host_pids(child.runtime_pid)
                pids = [inside[pid] for pid in reported if pid in inside]
            if len(pids) < len(reported):
                return pids  # one has ended meanwhile (or isn't seen yet): look again next time
            self._host_pids = (reported, pids)
        return self._host_pids[1]

    def _alive_check(self) -> Callable[[int], bool]:
        """Whether an extension, by the pid its launcher reported, still runs. In a PID namespace
        that pid is the namespace's own: look it up by its host pid."""
        child = self._child
        if child is None or not child.namespaced:
            return _alive
        inside = pid_namespace.host_pids(*child.extension_parents())
        return lambda pid: pid in inside and _alive(inside[pid])

    async def finish(self) -> None:
        """Close, once a SHUTDOWN under way is over (it needs the Runtime API server)."""
        if self.resetting is not None:
            await asyncio.shield(self.resetting)
        self.close()

    def close(self) -> None:
        if self.host is not None:
            self.host.close()


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _error_type(body: bytes) -> str:
    with contextlib.suppress(ValueError, AttributeError):
        return str(json.loads(body).get("errorType", "Unknown"))
    return "Unknown"


def _read(fd: int) -> bytes | None:
    try:
        return os.read(fd, 1 << 16) or None
    except BlockingIOError:
        return b""
    except OSError:
        return None


def _alive(pid: int) -> bool:
    """Whether a process still runs (a zombie has ended)."""
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
