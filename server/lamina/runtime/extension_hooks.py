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
from lamina.runtime.extensions_api import (
    EXTENSION_PREFIX,
    LAMINA_PREFIX,
    TELEMETRY_PATH,
    ExtensionHost,
    FunctionFacts,
)
from lamina.runtime.log_lines import Report
from lamina.runtime.telemetry import PlatformRecords

if TYPE_CHECKING:
    from lamina.runtime.child_process import ChildProcess
    from lamina.runtime.environment import ExecutionEnvironment


class ExtensionHooks:
    def __init__(self, env: ExecutionEnvironment) -> None:
        self.env = env
        self.host: ExtensionHost | None = None
        self.records: PlatformRecords | None = None
        self._invoke_started = 0.0

    def start(self, child: ChildProcess) -> None:
        """Serve the APIs, start the init phase's records, and read the extensions' output."""
        env, config = self.env, self.env.config
        facts = FunctionFacts(config.function_name, config.version, config.handler, config.account)
        host = self.host = ExtensionHost(facts, child.extensions, self._init_error, self._awake)
        for prefix in (EXTENSION_PREFIX, LAMINA_PREFIX, TELEMETRY_PATH):
            env._api.add_route(prefix, host.route)
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
        watch = self.env._watch
        return watch is None or not watch.frozen

    def _read_extensions(self) -> bytes | None:
        """The extensions' output so far: to the log, and as `extension` records."""
        child = self.env._child
        if child is None or child.extension_output_fd < 0 or self.host is None:
            return None
        data = _read(child.extension_output_fd)
        if data:
            self.env._capture.write(data)
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
                self.records.init_done(None, _since(self.env._spawned_at()))

    def _init_error(self, body: bytes, error_type: str) -> None:
        """An extension failed init: so does the environment, with that error."""
        host = self.host
        if host is not None and host.in_init:
            host.init_done()
            if self.records is not None:
                self.records.init_done(error_type, _since(self.env._spawned_at()))
        self.env.on_init_error(body, error_type)
        self.env._signal(signal.SIGKILL)

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

    async def invoke_done(self, request_id: str, started: float) -> bool:
        """The runtime has answered: wait for the extensions (within the function's timeout).
        False if they ran past it."""
        host = self.host
        if host is None or not host.telemetry.recording and not host.active:
            return True
        outcome = self.env._outcome
        error_type, size = None, 0
        if outcome is not None and outcome.done():
            result = outcome.result()
            size = len(result.body)
            if not result.ok:
                error_type = _error_type(result.body)
        if self.records is not None:
            self.records.runtime_done(request_id, error_type, _since(started), size)
        host.telemetry.flush()
        remaining = started + self.env.config.timeout - time.perf_counter()
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

    async def shutdown(self, reason: str) -> None:
        """SHUTDOWN to the extensions that asked for it, before the environment is killed."""
        host = self.host
        if host is None or not host.wants_shutdown():
            return
        if self.env._watch is not None:
            self.env._watch.thaw()
        await host.shutdown(reason, self._alive_check())

    def _alive_check(self) -> Callable[[int], bool]:
        """Whether an extension, by the pid its launcher reported, still runs. In a PID namespace
        that pid is the namespace's own: look it up by its host pid."""
        child = self.env._child
        if child is None or not child.namespaced:
            return _alive
        inside = pid_namespace.host_pids(child.runtime_pid)
        return lambda pid: pid in inside and _alive(inside[pid])

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
