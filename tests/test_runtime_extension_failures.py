"""External extensions that fail or misbehave: a reset's SHUTDOWN reason, memory that counts,
init errors and early exits, layers that replace one, refused identifiers, EXIT errors."""

from __future__ import annotations

import json
import os
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
