"""External extensions from a layer's extensions/ folder, the Extensions API (register, INVOKE,
SHUTDOWN, init errors) and the Telemetry API, with real extension processes shaped like
aws-samples/aws-lambda-extensions' python examples (stdlib only here)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from extension_kit import EXTENSION, HANDLER, LISTEN, Collector, layer

from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.server.shutdown()


@pytest.mark.parametrize("sandboxed", ["1", "0"])
async def test_extension_registers_gets_invoke_and_shutdown_and_telemetry(
    write_function: Any,
    tmp_path: Path,
    collector: Collector,
    monkeypatch: pytest.MonkeyPatch,
    sandboxed: str,
) -> None:
    monkeypatch.setenv("LAMINA_SANDBOX", sandboxed)
    listen = LISTEN if sandboxed == "1" else "127.0.0.1"
    source = EXTENSION.format(python=sys.executable, listen=listen)
    ext = layer(tmp_path / "layer", {"extensions/probe": source})
    config = write_function(
        HANDLER, opt_roots=(ext,), environment=(("REPORT_URL", collector.address),)
    )
    async with RuntimePool(RuntimeOptions()) as pool:
        first = await pool.invoke(config, InvocationRequest.from_json({}))
        # The invocation ended only after the extension called /next again.
        assert collector.first("invoke-done") == first.request_id
        second = await pool.invoke(config, InvocationRequest.from_json({}))
        assert [i["invoke-done"] for i in collector.items if "invoke-done" in i] == [
            first.request_id,
            second.request_id,
        ]
    assert first.ok and json.loads(first.payload) == {"ok": True}
    assert collector.first("registered")["functionName"] == "fn"
    assert collector.first("subscribed") == 200
    event = collector.first("event")
    assert event["eventType"] == "INVOKE" and event["invokedFunctionArn"].endswith(":fn")
    assert event["tracing"]["type"] == "X-Amzn-Trace-Id" and event["deadlineMs"] > 0
    # Its output is in the function's log, as on CloudWatch.
    assert f"[probe] INVOKE {first.request_id}" in first.logs
    shutdown = collector.first("shutdown")
    assert shutdown["eventType"] == "SHUTDOWN" and shutdown["shutdownReason"] == "spindown"
    telemetry = collector.first("telemetry")
    types = [record["type"] for record in telemetry]
    for expected in ("platform.initStart", "platform.initRuntimeDone", "platform.start"):
        assert expected in types
    for expected in ("platform.runtimeDone", "platform.report", "platform.extension"):
        assert expected in types
    assert "platform.telemetrySubscription" in types
    lines = [r["record"] for r in telemetry if r["type"] == "function"]
    assert "hello from the handler" in lines
    assert "said at init" in lines  # made before or while it subscribed: delivered too
    # Its own output is an extension record, not a function one (it didn't subscribe to them).
    assert not any("[probe]" in line for line in lines)
    done = [r["record"] for r in telemetry if r["type"] == "platform.runtimeDone"]
    assert {d["requestId"] for d in done} == {first.request_id, second.request_id}
    assert all(d["status"] == "success" for d in done)
    report = next(r["record"] for r in telemetry if r["type"] == "platform.report")
    assert report["metrics"]["memorySizeMB"] == 128 and "initDurationMs" in report["metrics"]


# The same, subscribed over TCP (records come a line each, NDJSON), through the Telemetry API
# or the Logs API (its subscription has no schemaVersion).
TCP_EXTENSION = """\
#!{python}
import http.client, json, os, socket, sys, threading, time
API = os.environ["AWS_LAMBDA_RUNTIME_API"]
lines = []

def call(method, path, body=None, headers=None):
    host, port = API.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port))
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers=headers or {{}})
    r = c.getresponse()
    return r.status, dict(r.getheaders()), r.read()

def serve(server):
    while True:
        conn, _ = server.accept()
        with conn, conn.makefile("rb") as stream:
            lines.extend(json.loads(line) for line in stream if line.strip())

server = socket.create_server(("{listen}", 0))
threading.Thread(target=serve, args=(server,), daemon=True).start()
_, headers, _ = call("POST", "/2020-01-01/extension/register", {{"events": ["SHUTDOWN"]}},
                     {{"Lambda-Extension-Name": "tcp"}})
ext_id = headers["Lambda-Extension-Identifier"]
subscription = {{
    "destination": {{"protocol": "TCP", "URI": f"tcp://sandbox.localdomain:{{server.getsockname()[1]}}"}},
    "types": ["platform", "function"],
    "buffering": {{"timeoutMs": 25, "maxBytes": 262144, "maxItems": 1000}},
}}
if "{schema}":
    subscription["schemaVersion"] = "{schema}"
status, _, body = call("PUT", "{path}", subscription, {{"Lambda-Extension-Identifier": ext_id}})
call("GET", "/2020-01-01/extension/event/next", headers={{"Lambda-Extension-Identifier": ext_id}})
time.sleep(0.5)
host, port = os.environ["REPORT_URL"].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/", body=json.dumps({{"subscribed": status, "lines": lines}}))
c.getresponse().read()
"""


@pytest.mark.parametrize(
    ("path", "schema", "subscribed"),
    [
        ("/2022-07-01/telemetry", "2022-12-13", "platform.telemetrySubscription"),
        ("/2020-08-15/logs", "", "platform.logsSubscription"),
    ],
    ids=["telemetry-api", "logs-api"],
)
async def test_records_reach_a_tcp_destination_a_record_a_line(
    write_function: Any,
    tmp_path: Path,
    collector: Collector,
    path: str,
    schema: str,
    subscribed: str,
) -> None:
    source = TCP_EXTENSION.format(python=sys.executable, listen=LISTEN, path=path, schema=schema)
    ext = layer(tmp_path / "layer", {"extensions/tcp": source})
    config = write_function(
        HANDLER, opt_roots=(ext,), environment=(("REPORT_URL", collector.address),)
    )
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert result.ok, result.payload
    assert collector.first("subscribed") == 200
    records = collector.first("lines")
    types = [record["type"] for record in records]
    assert "platform.start" in types and "platform.report" in types, types
    assert subscribed in types
    function_lines = [r["record"] for r in records if r["type"] == "function"]
    assert "hello from the handler" in function_lines
