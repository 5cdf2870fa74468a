"""The Extensions API (2020-01-01) of one environment, served beside its Runtime API.

Lambda's lifecycle, as the extensions see it:

- init: every external extension (an executable in /opt/extensions, started by
  extension_launcher.py) registers (`POST /extension/register`, header `Lambda-Extension-Name`,
  body `{"events": ["INVOKE", "SHUTDOWN"]}`; answered with a `Lambda-Extension-Identifier`) before
  the runtime starts; internal extensions (in the runtime's process) may register during the
  runtime's init. Init is over when the runtime and every extension have called their `/next`.
- invoke: each extension registered for INVOKE gets `{"eventType": "INVOKE", "requestId",
  "deadlineMs", "invokedFunctionArn", "tracing"}` from `GET /extension/event/next`; the
  invocation ends (and the environment freezes) only when every one has called `/next` again.
- shutdown: when the environment ends, each extension registered for SHUTDOWN gets
  `{"eventType": "SHUTDOWN", "shutdownReason", "deadlineMs"}` and has until the deadline (2 s) to
  finish; then everything is killed.
- `POST /extension/init/error` fails init with its `Lambda-Extension-Function-Error-Type`;
  `POST /extension/exit/error` reports an extension's own failure (logged; the environment goes
  on, and stops waiting for it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lamina.bounded_wait import wait_at_most
from lamina.runtime.api_server import PendingEvent
from lamina.runtime.telemetry import SubscriptionError, TelemetryHub, parse_subscription

log = logging.getLogger(__name__)

EXTENSION_PREFIX = "/2020-01-01/extension"
LAMINA_PREFIX = "/2020-01-01/lamina/extensions"
TELEMETRY_PATH = "/2022-07-01/telemetry"
LOGS_PATH = "/2020-08-15/logs"  # the Logs API: deprecated, still used by older extensions
EVENTS = ("INVOKE", "SHUTDOWN")
SHUTDOWN_S = 2.0  # Lambda's shutdown phase with external extensions


class Connection(Protocol):
    """What the Runtime API server's connection offers a route (api_server._Connection)."""

    parked: bool

    def write(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None: ...

    def send_event(self, event: PendingEvent) -> bool: ...


@dataclass
class FunctionFacts:
    """What the registration answer tells an extension."""

    function_name: str
    version: str
    handler: str
    account: str


@dataclass
class _Extension:
    name: str
    events: frozenset[str]
    external: bool
    parked: Connection | None = None
    queue: list[PendingEvent] = field(default_factory=list)
    shut_down: bool = False  # has been sent SHUTDOWN
    gone: bool = False  # reported exit/error: no longer waited on


def _error(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


class ExtensionHost:
    """The extensions of one environment: their registrations, events and telemetry."""

    def __init__(
        self,
        facts: FunctionFacts,
        expected: Sequence[str],
        on_init_error: Callable[[bytes, str], None],
        awake: Callable[[], bool],
    ) -> None:
        self.facts = facts
        self.expected = set(expected)  # external extensions' names, from /opt/extensions
        self.on_init_error = on_init_error
        self.extensions: dict[str, _Extension] = {}
        self.pids: dict[str, int] = {}
        self.telemetry = TelemetryHub(awake)
        self.telemetry.recording = bool(expected)
        self.in_init = True
        self._ready: Connection | None = None  # the launcher's long poll
        self._failed = False
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._when_idle: Callable[[], None] | None = None

    @property
    def active(self) -> bool:
        return bool(self.extensions)

    # --- the environment's side ---------------------------------------------------------

    def idle(self) -> bool:
        """Every extension is waiting in /next with nothing to take."""
        return all(ext.gone or (ext.parked is not None and not ext.queue) for ext in self.live())

    def live(self) -> list[_Extension]:
        return [ext for ext in self.extensions.values() if not ext.gone]

    def when_idle(self, callback: Callable[[], None]) -> None:
        """Call back once every extension waits in /next (the runtime already does)."""
        self._when_idle = callback

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until every extension has called /next again; False on timeout."""
        if self.idle():
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._idle_waiters.append(waiter)
        try:
            return await wait_at_most(waiter, max(0.0, timeout))
        finally:
            waiter.cancel()  # a no-op once done; close() and the /next calls skip it

    def init_done(self) -> None:
        self.in_init = False

    def invoke(self, request_id: str, deadline_ms: int, arn: str, trace_id: str) -> None:
        event = {
            "eventType": "INVOKE",
            "deadlineMs": deadline_ms,
            "requestId": request_id,
            "invokedFunctionArn": arn,
            "tracing": {"type": "X-Amzn-Trace-Id", "value": trace_id},
        }
        for ext in self.live():
            if "INVOKE" in ext.events:
                self._send(ext, event)

    def wants_shutdown(self) -> bool:
        return any("SHUTDOWN" in ext.events and ext.external for ext in self.live())

    async def shutdown(self, reason: str, alive: Callable[[int], bool]) -> None:
        """Send SHUTDOWN and wait until each extension is done (it exits, or calls /next
        again), at most the shutdown phase's 2 s."""
        deadline = time.time() + SHUTDOWN_S
        event = {"eventType": "SHUTDOWN", "shutdownReason": reason}
        event["deadlineMs"] = int(deadline * 1000)  # type: ignore[assignment]
        waiting = [e for e in self.live() if "SHUTDOWN" in e.events and e.external]
        for ext in waiting:
            ext.shut_down = True
            self._send(ext, event)
        await self.telemetry.drain(0.5)
        while time.time() < deadline:
            if all(e.parked is not None or not alive(self.pids.get(e.name, 0)) for e in waiting):
                return
            await asyncio.sleep(0.02)

    def close(self) -> None:
        self.telemetry.close()
        for waiter in self._idle_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._idle_waiters.clear()

    # --- routes ----------------------------------------------------------------------------

    def route(
        self, connection: Connection, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> None:
        if path in (TELEMETRY_PATH, LOGS_PATH) and method == "PUT":
            self._subscribe(connection, headers, body, logs_api=path == LOGS_PATH)
        elif path.startswith(LAMINA_PREFIX):
            self._launcher(connection, method, path[len(LAMINA_PREFIX) :], body)
        elif path == f"{EXTENSION_PREFIX}/register" and method == "POST":
            self._register(connection, headers, body)
        elif path == f"{EXTENSION_PREFIX}/event/next" and method == "GET":
            self._next(connection, headers)
        elif path in (f"{EXTENSION_PREFIX}/init/error", f"{EXTENSION_PREFIX}/exit/error"):
            self._report_error(connection, path.rsplit("/", 2)[1], headers, body)
        else:
            message = f"no route for {method} {path}"
            connection.write(404, _error("InvalidRequest", message))

    def _register(self, connection: Connection, headers: dict[str, str], body: bytes) -> None:
        name = headers.get("lambda-extension-name", "")
        if not name:
            connection.write(400, _error("InvalidRequest", "Lambda-Extension-Name is required"))
            return
        if not self.in_init:
            message = "extensions can register only during the init phase"
            connection.write(403, _error("Extension.InvalidState", message))
            return
        try:
            events = json.loads(body or b"{}").get("events", [])
        except (ValueError, AttributeError):
            events = None
        if not isinstance(events, list) or any(e not in EVENTS for e in events):
            message = f"events must be a list of {', '.join(EVENTS)}"
            connection.write(400, _error("InvalidRequest", message))
            return
        if any(ext.name == name for ext in self.extensions.values()):
            connection.write(409, _error("Extension.AlreadyRegistered", f"{name} is registered"))
            return
        identifier = str(uuid.uuid4())
        external = name in self.expected
        self.extensions[identifier] = _Extension(name, frozenset(events), external)
        self.telemetry.recording = True
        self.telemetry.platform("extension", {"name": name, "state": "Ready", "events": events})
        facts = self.facts
        answer: dict[str, Any] = {
            "functionName": facts.function_name,
            "functionVersion": facts.version,
            "handler": facts.handler,
        }
        if "accountId" in headers.get("lambda-extension-accept-feature", ""):
            answer["accountId"] = facts.account
        reply = {"Content-Type": "application/json", "Lambda-Extension-Identifier": identifier}
        connection.write(200, json.dumps(answer).encode(), reply)
        self._check_ready()

    def _extension(self, connection: Connection, headers: dict[str, str]) -> _Extension | None:
        ext = self.extensions.get(headers.get("lambda-extension-identifier", ""))
        if ext is None:
            message = "Lambda-Extension-Identifier is missing or unknown"
            connection.write(403, _error("Extension.UnknownExtensionIdentifier", message))
        return ext

    def _next(self, connection: Connection, headers: dict[str, str]) -> None:
        ext = self._extension(connection, headers)
        if ext is None:
            return
        if ext.queue:
            event = ext.queue.pop(0)
            connection.write(200, event.body, event.headers)
            return
        connection.parked = True
        ext.parked = connection
        self._check_idle()

    def _send(self, ext: _Extension, event: dict[str, Any]) -> None:
        body = json.dumps(event).encode()
        headers = {
            "Content-Type": "application/json",
            "Lambda-Extension-Event-Identifier": str(uuid.uuid4()),
        }
        pending = PendingEvent(str(event.get("requestId", "")), body, headers)
        parked, ext.parked = ext.parked, None
        if parked is None or not parked.send_event(pending):
            ext.queue.append(pending)

    def _report_error(
        self, connection: Connection, phase: str, headers: dict[str, str], body: bytes
    ) -> None:
        ext = self._extension(connection, headers)
        if ext is None:
            return
        error_type = headers.get("lambda-extension-function-error-type", "Extension.Unknown")
        connection.write(202, b'{"status":"OK"}', {"Content-Type": "application/json"})
        if phase == "init" and self.in_init:
            self._fail_init(error_type, f"extension {ext.name} failed to initialize")
        else:
            log.warning("extension %s reported %s (%s)", ext.name, error_type, phase)
            ext.gone = True
            self._check_idle()

    def _subscribe(
        self, connection: Connection, headers: dict[str, str], body: bytes, logs_api: bool
    ) -> None:
        ext = self._extension(connection, headers)
        if ext is None:
            return
        try:
            subscription = parse_subscription(ext.name, body, logs_api)
        except SubscriptionError as e:
            connection.write(400, _error("ValidationError", str(e)))
            return
        self.telemetry.subscribe(subscription)
        connection.write(200, b'"OK"', {"Content-Type": "application/json"})

    # --- the launcher (Lamina's own, child side) --------------------------------------------

    def _launcher(self, connection: Connection, method: str, path: str, body: bytes) -> None:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        if path == "/started" and method == "POST":
            self.pids.update({str(k): int(v) for k, v in dict(payload.get("pids", {})).items()})
        elif path == "/exited" and method == "POST":
            name = str(payload.get("name", ""))
            registered = any(e.name == name for e in self.extensions.values())
            if self.in_init and not registered:
                status = payload.get("status")
                self._fail_init(
                    "Extension.Crash", f"extension {name} exited ({status}) before it registered"
                )
        elif path == "/ready" and method == "GET":
            connection.parked = True
            self._ready = connection
            self._check_ready()
            return
        connection.write(202, b'{"status":"OK"}')

    def _check_ready(self) -> None:
        """Answer the launcher once every external extension has registered (or init failed)."""
        if self._ready is None:
            return
        registered = {ext.name for ext in self.extensions.values()}
        if self._failed or self.expected <= registered:
            ready, self._ready = self._ready, None
            answer = json.dumps({"ok": not self._failed}).encode()
            ready.send_event(PendingEvent("", answer, {"Content-Type": "application/json"}))

    def _fail_init(self, error_type: str, message: str) -> None:
        if self._failed:
            return
        self._failed = True
        error = {"errorMessage": message, "errorType": error_type, "stackTrace": []}
        self.on_init_error(json.dumps(error).encode(), error_type)
        self._check_ready()

    def _check_idle(self) -> None:
        if not self.idle():
            return
        for waiter in self._idle_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._idle_waiters.clear()
        callback, self._when_idle = self._when_idle, None
        if callback is not None:
            callback()
