"""External extensions from a layer's extensions/ folder, the Extensions API (register, INVOKE,
SHUTDOWN, init errors) and the Telemetry API, with real extension processes shaped like
aws-samples/aws-lambda-extensions' python examples (stdlib only here)."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lamina.runtime import sandbox
from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

# An external extension: it registers, subscribes a telemetry listener, and tells the test (at
# REPORT_URL, a variable it shares with the function as on Lambda) what it sees.
EXTENSION = """\
#!{python}
import http.client, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, HTTPServer

NAME = os.path.basename(__file__)
API = os.environ["AWS_LAMBDA_RUNTIME_API"]
received = []

def call(method, path, body=None, headers=None):
    host, port = API.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port))
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers=headers or {{}})
    r = c.getresponse()
    return r.status, dict(r.getheaders()), r.read()

def report(what):
    host, port = os.environ["REPORT_URL"].rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port))
    c.request("POST", "/", body=json.dumps(what))
    c.getresponse().read()

class Listener(BaseHTTPRequestHandler):
    def do_POST(self):
        batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        received.extend(batch)
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass

# As AWS's telemetry example: the sandbox names itself sandbox.localdomain.
server = HTTPServer(("{listen}", 0), Listener)
threading.Thread(target=server.serve_forever, daemon=True).start()
status, headers, body = call("POST", "/2020-01-01/extension/register",
    {{"events": ["INVOKE", "SHUTDOWN"]}}, {{"Lambda-Extension-Name": NAME}})
ext_id = headers["Lambda-Extension-Identifier"]
report({{"registered": json.loads(body)}})
print(f"[{{NAME}}] registered", flush=True)
status, _, body = call("PUT", "/2022-07-01/telemetry", {{
    "schemaVersion": "2022-12-13",
    "destination": {{"protocol": "HTTP", "URI": f"http://sandbox.localdomain:{{server.server_port}}"}},
    "types": ["platform", "function"],
    "buffering": {{"timeoutMs": 25, "maxBytes": 262144, "maxItems": 1000}},
}}, {{"Lambda-Extension-Identifier": ext_id}})
report({{"subscribed": status}})
while True:
    status, _, body = call("GET", "/2020-01-01/extension/event/next",
                           headers={{"Lambda-Extension-Identifier": ext_id}})
    event = json.loads(body)
    if event["eventType"] == "INVOKE":
        print(f"[{{NAME}}] INVOKE {{event['requestId']}}", flush=True)
        time.sleep(0.2)
        report({{"invoke-done": event["requestId"], "event": event}})
    else:
        time.sleep(0.5)
        report({{"shutdown": event, "telemetry": received}})
        sys.exit(0)
"""

LISTEN = "sandbox.localdomain" if sandbox.available() else "127.0.0.1"

HANDLER = """
import os
print("said at init")
def handler(event, context):
    print("hello from the handler")
    return {"ok": True}
"""


class Collector:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                collector.items.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def first(self, key: str) -> Any:
        found = [item[key] for item in self.items if key in item]
        assert found, f"no {key!r} in {self.items}"
        return found[0]


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.server.shutdown()


def layer(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if not text.startswith("#!") else text)
        if name.startswith(("extensions/", "bin/")) or text.startswith("#!"):
            path.chmod(0o755)
    return root


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


SLOW_OR_GREEDY = """
import os, time
def handler(event, context):
    if event.get("exit"):
        os._exit(3)  # the runtime ends by itself mid-invoke
    if event.get("eat"):
        hoard = []
        while True:
            hoard.append(bytearray(16 * 1024 * 1024))
            time.sleep(0.01)
    time.sleep(event.get("sleep", 0))
    return {"ok": True}
"""


@pytest.mark.parametrize(
    ("event", "error_type", "reason"),
    [
        ({"sleep": 30}, "Sandbox.Timedout", "timeout"),
        ({"eat": True}, "Runtime.OutOfMemory", "failure"),
        ({"exit": True}, "Runtime.ExitError", "failure"),
    ],
    ids=["timeout", "out-of-memory", "runtime-exit"],
)
async def test_a_reset_sends_shutdown_with_its_reason(
    write_function: Any,
    tmp_path: Path,
    collector: Collector,
    event: dict[str, Any],
    error_type: str,
    reason: str,
) -> None:
    """As Lambda resets an environment after a timeout or a failure (the runtime ran out of
    memory, or exited by itself), the extensions registered for SHUTDOWN hear why (the Extensions
    API's Shutdown phase), before they are killed; the probe takes 0.5 s to report it."""
    source = EXTENSION.format(python=sys.executable, listen=LISTEN)
    ext = layer(tmp_path / "layer", {"extensions/probe": source})
    config = write_function(
        SLOW_OR_GREEDY,
        opt_roots=(ext,),
        environment=(("REPORT_URL", collector.address),),
        timeout=2.0,
        memory_size=128,
    )
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json(event))
    assert not result.ok and json.loads(result.payload)["errorType"] == error_type, result.payload
    shutdown = collector.first("shutdown")
    assert shutdown["eventType"] == "SHUTDOWN" and shutdown["shutdownReason"] == reason


HOARDER = """\
#!{python}
import http.client, os
hoard = b"\\x01" * (96 * 1024 * 1024)  # resident: every page written
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", body='{{"events": ["INVOKE"]}}',
          headers={{"Lambda-Extension-Name": "hoarder"}})
r = c.getresponse(); r.read()
ext_id = r.getheader("Lambda-Extension-Identifier")
while True:
    c.request("GET", "/2020-01-01/extension/event/next",
              headers={{"Lambda-Extension-Identifier": ext_id}})
    c.getresponse().read()
"""


@pytest.mark.parametrize("sandboxed", ["1", "0"])
async def test_an_extensions_memory_counts_in_max_memory_used(
    write_function: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandboxed: str
) -> None:
    """Lambda's Max Memory Used is the whole sandbox's: the runtime's and its extensions'."""
    monkeypatch.setenv("LAMINA_SANDBOX", sandboxed)
    ext = layer(tmp_path / "layer", {"extensions/hoarder": HOARDER.format(python=sys.executable)})
    config = write_function(HANDLER, opt_roots=(ext,), memory_size=512)
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert result.ok, result.payload
    assert result.max_memory_used_mb >= 100, result.logs


INIT_ERROR = """\
#!{python}
import http.client, json, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", body='{{"events": ["INVOKE"]}}',
          headers={{"Lambda-Extension-Name": "broken"}})
r = c.getresponse(); r.read()
ext_id = r.getheader("Lambda-Extension-Identifier")
c.request("POST", "/2020-01-01/extension/init/error",
          body=json.dumps({{"errorMessage": "no config", "errorType": "Extension.ConfigMissing"}}),
          headers={{"Lambda-Extension-Identifier": ext_id,
                   "Lambda-Extension-Function-Error-Type": "Extension.ConfigMissing"}})
print("status", c.getresponse().status, flush=True)
"""


async def test_extension_init_error_fails_init(write_function: Any, tmp_path: Path) -> None:
    ext = layer(tmp_path / "layer", {"extensions/broken": INIT_ERROR.format(python=sys.executable)})
    config = write_function(HANDLER, opt_roots=(ext,))
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert not result.ok
    assert result.error is not None and result.error["errorType"] == "Extension.ConfigMissing"


async def test_extension_that_exits_before_registering_fails_init(
    write_function: Any, tmp_path: Path
) -> None:
    ext = layer(tmp_path / "layer", {"extensions/crasher": "#!/bin/sh\necho bye\nexit 3\n"})
    config = write_function(HANDLER, opt_roots=(ext,))
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert result.error is not None and result.error["errorType"] == "Extension.Crash"
    assert "crasher" in result.error["errorMessage"]
    assert "bye" in result.logs


async def test_a_later_layer_replaces_an_extension_and_non_executables_are_skipped(
    write_function: Any, tmp_path: Path, collector: Collector
) -> None:
    first = layer(tmp_path / "l1", {"extensions/probe": "#!/bin/sh\nexit 3\n"})
    probe = EXTENSION.format(python=sys.executable, listen=LISTEN)
    second = layer(tmp_path / "l2", {"extensions/probe": probe})
    (second / "extensions" / "README").write_text("not executable\n")
    config = write_function(
        HANDLER, opt_roots=(first, second), environment=(("REPORT_URL", collector.address),)
    )
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert result.ok, result.payload
    assert collector.first("invoke-done") == result.request_id


@pytest.mark.parametrize("sandboxed", ["1", "0"])
async def test_extensions_api_refuses_unknown_identifiers(
    write_function: Any, monkeypatch: pytest.MonkeyPatch, sandboxed: str
) -> None:
    monkeypatch.setenv("LAMINA_SANDBOX", sandboxed)
    source = """
    import http.client, json, os
    def call(method, path, body="", headers=None):
        host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
        c = http.client.HTTPConnection(host, int(port))
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    def handler(event, context):
        return {
            "next": call("GET", "/2020-01-01/extension/event/next",
                         headers={"Lambda-Extension-Identifier": "nope"}),
            "late": call("POST", "/2020-01-01/extension/register", '{"events": ["INVOKE"]}',
                         {"Lambda-Extension-Name": "late"}),
            "bad": call("PUT", "/2022-07-01/telemetry", "{}",
                        {"Lambda-Extension-Identifier": "nope"}),
        }
    """
    config = write_function(source)
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    answers = json.loads(result.payload)
    assert answers["next"][0] == 403
    assert answers["next"][1]["errorType"] == "Extension.UnknownExtensionIdentifier"
    assert answers["late"][0] == 403  # registration only during init
    assert answers["bad"][0] == 403
    assert os.environ.get("LAMINA_SANDBOX") == sandboxed


EXIT_ERROR = """\
#!{python}
import http.client, json, os, sys
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", body='{{"events": ["INVOKE"]}}',
          headers={{"Lambda-Extension-Name": "quitter"}})
r = c.getresponse(); r.read()
ext_id = r.getheader("Lambda-Extension-Identifier")
c.request("GET", "/2020-01-01/extension/event/next", headers={{"Lambda-Extension-Identifier": ext_id}})
c.getresponse().read()
c.request("POST", "/2020-01-01/extension/exit/error", body='{{"errorType": "Extension.Gave.Up"}}',
          headers={{"Lambda-Extension-Identifier": ext_id,
                   "Lambda-Extension-Function-Error-Type": "Extension.GaveUp"}})
print("exit/error", c.getresponse().status, flush=True)
sys.exit(1)
"""


async def test_an_extension_that_reports_exit_error_is_no_longer_waited_for(
    write_function: Any, tmp_path: Path
) -> None:
    ext = layer(
        tmp_path / "layer", {"extensions/quitter": EXIT_ERROR.format(python=sys.executable)}
    )
    config = write_function(HANDLER, opt_roots=(ext,))
    async with RuntimePool(RuntimeOptions()) as pool:
        first = await pool.invoke(config, InvocationRequest.from_json({}))
        second = await pool.invoke(config, InvocationRequest.from_json({}))
    assert first.ok and second.ok, (first.logs, second.logs)
    assert "exit/error 202" in first.logs + second.logs
    assert first.error is None and second.error is None
