"""The Extensions API's init and shutdown phases have limits, as on Lambda (issue 16): an
extension that ignores SHUTDOWN is killed when its shutdown phase ends, and one that registers
but never asks for its next event keeps init from finishing until the init limit fails it.
Real extension processes from a layer's extensions/ folder, through the real runtime pool."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_runtime_extensions import HANDLER, Collector, layer

from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

# Registers, waits for its events; on SHUTDOWN it tells the test (at REPORT_URL) and then
# ignores it: no exit, no next /next, SIGTERM ignored.
STUBBORN = """\
#!{python}
import http.client, json, os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host, int(port))
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers=headers or {{}})
    r = c.getresponse()
    return dict(r.getheaders()), r.read()
headers, _ = call("POST", "/2020-01-01/extension/register", {{"events": {events}}},
                  {{"Lambda-Extension-Name": os.path.basename(__file__)}})
ident = {{"Lambda-Extension-Identifier": headers["Lambda-Extension-Identifier"]}}
if {hang_at_init}:
    time.sleep(3600)
while True:
    _, body = call("GET", "/2020-01-01/extension/event/next", headers=ident)
    event = json.loads(body)
    if event["eventType"] == "SHUTDOWN":
        h, p = os.environ["REPORT_URL"].rsplit(":", 1)
        c = http.client.HTTPConnection(h, int(p))
        c.request("POST", "/", body=json.dumps({{"shutdown": event}}))
        c.getresponse().read()
        time.sleep(3600)
"""


@pytest.fixture
def reports() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.server.shutdown()


def running(marker: str) -> list[int]:
    """The processes whose command line holds `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


async def test_an_extension_that_ignores_shutdown_is_killed_at_the_phases_end(
    write_function: Any, tmp_path: Path, reports: Collector
) -> None:
    name = f"stubborn-{uuid.uuid4().hex[:8]}"
    code = STUBBORN.format(python=sys.executable, events='["SHUTDOWN"]', hang_at_init=False)
    ext = layer(tmp_path / "layer", {f"extensions/{name}": code})
    config = write_function(
        HANDLER, opt_roots=(ext,), environment=(("REPORT_URL", reports.address),)
    )
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
        assert result.ok, result.logs
        assert running(name), "the extension runs beside the function"
    # The pool is closed: the extension got its SHUTDOWN, ignored it, and is gone.
    event = reports.first("shutdown")
    assert (event["eventType"], event["shutdownReason"]) == ("SHUTDOWN", "spindown")
    assert event["deadlineMs"] > 0
    assert running(name) == []


async def test_an_extension_that_never_asks_for_its_next_event_times_init_out(
    write_function: Any, tmp_path: Path
) -> None:
    name = f"sleeper-{uuid.uuid4().hex[:8]}"
    code = STUBBORN.format(python=sys.executable, events='["INVOKE"]', hang_at_init=True)
    ext = layer(tmp_path / "layer", {f"extensions/{name}": code})
    config = write_function(HANDLER, opt_roots=(ext,))
    async with RuntimePool(RuntimeOptions(init_timeout=1.0)) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert not result.ok
    assert result.error is not None and result.error["errorType"] == "Sandbox.Timedout"
    assert "Phase: init\tStatus: timeout" in result.logs
    assert "hello from the handler" not in result.logs  # init never ended: no invoke
    assert running(name) == []
