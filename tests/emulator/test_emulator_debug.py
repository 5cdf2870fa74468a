"""`lamina serve --debug FUNCTION:PORT`: a boto3 Invoke waits for a debugger, which stops at a
breakpoint in the function's source file (through pathMappings from the `lamina:source` tag),
reads a local, evaluates, continues, and the Invoke returns the result. One at a time."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from dap_client import DapClient

from emulator.harness import ROLE, free_port, make_client, start_emulator, unique, wait_until
from lamina.deploy.package import build_zip

SOURCE = """\
def handler(event, context):
    total = sum(event["numbers"])
    return {"total": total}
"""


def attach_config(log: str, request_id: str) -> dict[str, Any]:
    match = re.search(rf"request {request_id} waits for a debugger on \S+; attach with (.*)", log)
    assert match, log
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def invoke_in_thread(lam: Any, name: str, numbers: list[int]) -> tuple[threading.Thread, list[Any]]:
    results: list[Any] = []

    def call() -> None:
        try:
            response = lam.invoke(FunctionName=name, Payload=json.dumps({"numbers": numbers}))
            results.append(response)
        except Exception as e:
            results.append(e)

    thread = threading.Thread(target=call)
    thread.start()
    return thread, results


def debug_once(
    server: Any, lam: Any, name: str, source: Path, numbers: list[int]
) -> dict[str, Any]:
    before = server.log().count(f"debug {name}: request ")
    thread, results = invoke_in_thread(lam, name, numbers)
    wait_until(lambda: server.log().count(f"debug {name}: request ") > before, 60)
    line = server.log().split(f"debug {name}: request ")[-1]
    config = attach_config("request " + line, line.split()[0])
    assert config["pathMappings"] == [
        {"localRoot": str(source), "remoteRoot": str(server.data_dir / "debug" / name)}
    ]
    client = DapClient(config["connect"]["port"])
    try:
        client.attach(config, {str(source / "app.py"): [3]})
        stopped, frames = client.stopped_frames()
        assert stopped["reason"] == "breakpoint"
        assert (frames[0]["source"]["path"], frames[0]["line"]) == (str(source / "app.py"), 3)
        assert client.local(frames[0]["id"], "total") == str(sum(numbers))
        evaluated = client.request("evaluate", expression="total * 2", frameId=frames[0]["id"])
        assert evaluated["result"] == str(2 * sum(numbers))
        with pytest.raises(lam.exceptions.TooManyRequestsException):
            lam.invoke(FunctionName=name)  # one debug environment at a time
        time.sleep(1.2)  # past the 1 s timeout: suspended while a debugger is attached
        client.resume(stopped["threadId"])
    finally:
        client.close()
    thread.join(60)
    assert results and not isinstance(results[0], Exception), results
    response = results[0]
    assert "FunctionError" not in response
    payload: dict[str, Any] = json.loads(response["Payload"].read())
    return payload


def test_serve_debug_with_path_mappings(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text(SOURCE)
    name = unique("dbg")
    port = free_port()
    server = start_emulator(tmp_path / "data", "--debug", f"{name}:{port}")
    try:
        assert f"Debugging {name}: its invocations wait for a debugger on 127.0.0.1:{port}" in (
            server.log()
        )
        lam = make_client(server.endpoint)
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Timeout=1,
            Code={"ZipFile": build_zip(source)},
            Tags={"lamina:source": str(source)},
        )
        assert debug_once(server, lam, name, source, [1, 2, 3]) == {"total": 6}
        # The next invocation gets a fresh debug environment on the same port, with new code.
        (source / "app.py").write_text(SOURCE.replace('{"total": total}', '{"sum": total}'))
        lam.update_function_code(FunctionName=name, ZipFile=build_zip(source))
        assert debug_once(server, lam, name, source, [4, 5]) == {"sum": 9}
    finally:
        server.stop()
