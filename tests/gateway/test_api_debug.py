"""`lamina api --debug FUNCTION:PORT`: a request from an HTTP client stops at a breakpoint."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import requests
from dap_client import DapClient
from ports import free_port

from gateway.harness import ApiProcess


def test_a_request_stops_at_a_breakpoint(tmp_path: Path) -> None:
    port = free_port()
    api = ApiProcess("http_only", tmp_path, "--debug", f"CatchAll:{port}")
    try:
        answers: list[Any] = []
        caller = threading.Thread(
            target=lambda: answers.append(requests.get(api.url + "/hello?x=1", timeout=60))
        )
        caller.start()
        log = api.wait_for_log("waits for a debugger on")
        line = next(line for line in log.splitlines() if "waits for a debugger on" in line)
        attach = json.loads(line.split("attach with ", 1)[1])
        assert attach["connect"] == {"host": "127.0.0.1", "port": port}
        client = DapClient(port)
        try:
            client.attach(attach, {str(api.root / "src" / "app.py"): [2]})
            stopped, frames = client.stopped_frames()
            assert (stopped["reason"], frames[0]["line"]) == ("breakpoint", 2)
            assert client.local(frames[0]["id"], "event").startswith("{'version': '2.0'")
            client.resume(stopped["threadId"])
        finally:
            client.close()
        caller.join(timeout=60)
        assert answers and answers[0].status_code == 200
        assert answers[0].json()["hello"] == "world"
    finally:
        api.stop()
