"""The Telemetry API (2022-07-01): an extension subscribes a listener, and the environment's
platform, function and extension records reach it in batches: by HTTP POST (a JSON array), or
over TCP (newline-delimited JSON, a record a line, on a connection made for the batch).

`PUT /2022-07-01/telemetry` with `{schemaVersion, destination: {protocol: HTTP|TCP, URI}, types,
buffering: {maxItems, maxBytes, timeoutMs}}`, the header `Lambda-Extension-Identifier`. A batch
goes out when it holds maxItems records or maxBytes, after timeoutMs, when the runtime is done
with an invocation, and at SHUTDOWN. Records made before the subscription (the init phase's)
are delivered to it too, as on Lambda. `sandbox.localdomain` (the host name AWS's examples
listen on) means 127.0.0.1 here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

TYPES = ("platform", "function", "extension")
SCHEMAS = ("2022-07-01", "2022-12-13", "2025-01-29")
LOGS_SCHEMAS = ("2020-08-15", "2021-03-18", "2022-07-01")  # the Logs API's, optional
# AWS's limits and defaults for `buffering`.
LIMITS = {"maxItems": (1000, 10000, 10000), "maxBytes": (262144, 1048576, 262144)}
LIMITS["timeoutMs"] = (25, 30000, 1000)
BACKLOG = 10000  # records kept for a subscription made later in the init phase
LOCAL_HOSTS = ("sandbox.localdomain", "sandbox", "localhost", "127.0.0.1", "0.0.0.0")


class SubscriptionError(ValueError):
    """A subscription Lambda would refuse (400 ValidationError)."""


def now_iso() -> str:
    stamp = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp)) + f".{int(stamp % 1 * 1000):03d}Z"


@dataclass
class Subscription:
    extension: str
    host: str
    port: int
    path: str
    types: frozenset[str]
    max_items: int
    max_bytes: int
    timeout_s: float
    tcp: bool = False  # NDJSON over TCP, not HTTP POST
    logs_api: bool = False  # made through the Logs API (2020-08-15)
    buffer: list[bytes] = field(default_factory=list)
    size: int = 0
    timer: asyncio.TimerHandle | None = None
    sending: asyncio.Task[None] | None = None
    batches: list[list[bytes]] = field(default_factory=list)


def parse_subscription(extension: str, body: bytes, logs_api: bool = False) -> Subscription:
    """A Telemetry API subscription, or (`logs_api`) a Logs API one: the same body, whose
    schemaVersion may be left out."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        raise SubscriptionError("the subscription is not JSON") from None
    if not isinstance(request, dict):
        raise SubscriptionError("the subscription must be a JSON object")
    if not (logs_api and request.get("schemaVersion") is None) and (
        request.get("schemaVersion") not in (LOGS_SCHEMAS if logs_api else SCHEMAS)
    ):
        raise SubscriptionError(f"schemaVersion must be one of {', '.join(SCHEMAS)}")
    destination = request.get("destination")
    protocol = destination.get("protocol") if isinstance(destination, dict) else None
    if protocol not in ("HTTP", "TCP"):
        raise SubscriptionError("destination.protocol must be HTTP or TCP")
    assert isinstance(destination, dict)
    uri = urlsplit(str(destination.get("URI", "")))
    scheme = "http" if protocol == "HTTP" else "tcp"
    if uri.scheme != scheme or not uri.hostname or uri.port is None:
        raise SubscriptionError(f"destination.URI must be {scheme}://sandbox.localdomain:PORT")
    if uri.hostname not in LOCAL_HOSTS:
        raise SubscriptionError("destination.URI must name the sandbox (sandbox.localdomain)")
    types = request.get("types")
    if not isinstance(types, list) or not types or any(t not in TYPES for t in types):
        raise SubscriptionError(f"types must be a list of {', '.join(TYPES)}")
    buffering = request.get("buffering") or {}
    values = {}
    for key, (low, high, default) in LIMITS.items():
        value = buffering.get(key, default) if isinstance(buffering, dict) else default
        if not isinstance(value, int) or not low <= value <= high:
            raise SubscriptionError(f"buffering.{key} must be an integer from {low} to {high}")
        values[key] = value
    return Subscription(
        extension,
        "127.0.0.1",
        uri.port,
        uri.path or "/",
        frozenset(types),
        values["maxItems"],
        values["maxBytes"],
        values["timeoutMs"] / 1000,
        tcp=protocol == "TCP",
        logs_api=logs_api,
    )


class TelemetryHub:
    """Records of one environment, and the subscriptions they go to."""

    def __init__(self, awake: Callable[[], bool]) -> None:
        self.awake = awake  # False while the environment is frozen: nothing is sent then
        self.subscriptions: dict[str, Subscription] = {}
        self.backlog: list[tuple[str, bytes]] = []
        self.recording = False  # set once an extension may subscribe

    def subscribe(self, subscription: Subscription) -> None:
        old = self.subscriptions.get(subscription.extension)
        if old is not None and old.timer is not None:
            old.timer.cancel()
        self.subscriptions[subscription.extension] = subscription
        for kind, record in self.backlog:
            if kind in subscription.types:
                self._add(subscription, record)
        name = subscription.extension
        event = "logsSubscription" if subscription.logs_api else "telemetrySubscription"
        self.platform(event, {"name": name, "state": "Subscribed"})

    def platform(self, event: str, record: dict[str, Any]) -> None:
        self._record("platform", f"platform.{event}", record)

    def lines(self, kind: str, data: bytes) -> None:
        """Output of the function or of an extension, a record per line."""
        if not self.recording or (not self.subscriptions and len(self.backlog) >= BACKLOG):
            return
        for line in data.decode("utf-8", "replace").splitlines():
            if line:
                self._record(kind, kind, line)

    def _record(self, kind: str, name: str, record: object) -> None:
        if not self.recording or (not self.subscriptions and len(self.backlog) >= BACKLOG):
            return
        encoded = json.dumps({"time": now_iso(), "type": name, "record": record}).encode()
        if len(self.backlog) < BACKLOG:
            self.backlog.append((kind, encoded))
        for subscription in self.subscriptions.values():
            if kind in subscription.types:
                self._add(subscription, encoded)

    def _add(self, subscription: Subscription, record: bytes) -> None:
        subscription.buffer.append(record)
        subscription.size += len(record)
        full = len(subscription.buffer) >= subscription.max_items
        if full or subscription.size >= subscription.max_bytes:
            self._flush(subscription)
        elif subscription.timer is None:
            loop = asyncio.get_running_loop()
            subscription.timer = loop.call_later(subscription.timeout_s, self._due, subscription)

    def _due(self, subscription: Subscription) -> None:
        subscription.timer = None
        if self.awake():
            self._flush(subscription)
        # frozen: sent at the next flush (the next invocation's end, or SHUTDOWN)

    def flush(self) -> None:
        for subscription in self.subscriptions.values():
            self._flush(subscription)

    def _flush(self, subscription: Subscription) -> None:
        if subscription.timer is not None:
            subscription.timer.cancel()
            subscription.timer = None
        if not subscription.buffer:
            return
        subscription.batches.append(subscription.buffer)
        subscription.buffer, subscription.size = [], 0
        if subscription.sending is None or subscription.sending.done():
            subscription.sending = asyncio.ensure_future(self._send_all(subscription))

    async def _send_all(self, subscription: Subscription) -> None:
        while subscription.batches:
            batch = subscription.batches.pop(0)
            send = _stream if subscription.tcp else _post
            try:
                await asyncio.wait_for(send(subscription, batch), 30)
            except (OSError, asyncio.TimeoutError) as e:
                log.info("telemetry for %s not delivered: %s", subscription.extension, e)

    async def drain(self, timeout: float) -> None:
        """Send what is buffered now, and wait (up to `timeout`) until it is out."""
        self.flush()
        tasks = [s.sending for s in self.subscriptions.values() if s.sending is not None]
        if tasks:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout)

    def close(self) -> None:
        for subscription in self.subscriptions.values():
            if subscription.timer is not None:
                subscription.timer.cancel()
            if subscription.sending is not None:
                subscription.sending.cancel()
        self.subscriptions.clear()


async def _post(subscription: Subscription, batch: list[bytes]) -> None:
    body = b"[" + b",".join(batch) + b"]"
    reader, writer = await asyncio.open_connection(subscription.host, subscription.port)
    try:
        head = (
            f"POST {subscription.path} HTTP/1.1\r\nHost: sandbox.localdomain:{subscription.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        await reader.readline()  # the status line: the listener has taken the batch
    finally:
        writer.close()


def runtime_status(error_type: str | None) -> str:
    """A platform record's status for an invocation's outcome."""
    if error_type is None:
        return "success"
    if error_type == "Sandbox.Timedout":
        return "timeout"
    return "failure" if error_type.startswith(("Runtime.", "Sandbox.", "Extension.")) else "error"


class PlatformRecords:
    """The platform.* records of Lambda's lifecycle, with their 2022-12-13 shapes."""

    def __init__(self, hub: TelemetryHub, function_name: str, version: str) -> None:
        self.hub = hub
        self.function_name = function_name
        self.version = version

    def init_start(self) -> None:
        record = {"initializationType": "on-demand", "phase": "init"}
        record |= {"functionName": self.function_name, "functionVersion": self.version}
        self.hub.platform("initStart", record)

    def init_done(self, error_type: str | None, duration_ms: float) -> None:
        status = "success" if error_type is None else "error"
        done: dict[str, Any] = {"initializationType": "on-demand", "phase": "init"}
        done["status"] = status
        if error_type is not None:
            done["errorType"] = error_type
        self.hub.platform("initRuntimeDone", done)
        report = {k: v for k, v in done.items() if k != "errorType"}
        report["metrics"] = {"durationMs": round(duration_ms, 3)}
        self.hub.platform("initReport", report)

    def start(self, request_id: str, trace_id: str) -> None:
        record: dict[str, Any] = {"requestId": request_id, "version": self.version}
        record["tracing"] = {"type": "X-Amzn-Trace-Id", "value": trace_id}
        self.hub.platform("start", record)

    def runtime_done(
        self, request_id: str, error_type: str | None, duration_ms: float, size: int
    ) -> None:
        metrics = {"durationMs": round(duration_ms, 3), "producedBytes": size}
        record = {"requestId": request_id, "status": runtime_status(error_type), "metrics": metrics}
        self.hub.platform("runtimeDone", record)

    def report(self, request_id: str, error_type: str | None, metrics: dict[str, Any]) -> None:
        record = {"requestId": request_id, "status": runtime_status(error_type), "metrics": metrics}
        self.hub.platform("report", record)


async def _stream(subscription: Subscription, batch: list[bytes]) -> None:
    """A batch to a TCP destination: a record a line (NDJSON), then the connection closes."""
    _, writer = await asyncio.open_connection(subscription.host, subscription.port)
    try:
        writer.write(b"".join(record + b"\n" for record in batch))
        await writer.drain()
    finally:
        writer.close()
