"""InvokeAsync (AWS's deprecated asynchronous invoke) through boto3 against `lamina serve`: the
event is queued and the function really runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emulator.harness import ROLE, raw_zip, unique, wait_until

# The function appends each event to a file named by an environment variable (outside /tmp:
# environments get a private /tmp, as on Lambda).
HANDLER = b"""
import json, os

def handler(event, context):
    with open(os.environ["EVENTS_FILE"], "a") as out:
        out.write(json.dumps(event) + "\\n")
    return {"ok": True}
"""


def test_invoke_async_runs_the_event(lam: Any) -> None:
    folder = Path(__file__).resolve().parents[2] / "build" / "test-marks"
    folder.mkdir(parents=True, exist_ok=True)
    events = folder / f"{unique('invoke-async')}.jsonl"
    name = unique("invoke-async")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": raw_zip({"app.py": HANDLER})},
        Environment={"Variables": {"EVENTS_FILE": str(events)}},
    )
    response = lam.invoke_async(FunctionName=name, InvokeArgs=json.dumps({"n": 1}).encode())
    assert response["Status"] == 202
    wait_until(events.exists)
    assert [json.loads(line) for line in events.read_text().splitlines()] == [{"n": 1}]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke_async(FunctionName=unique("missing"), InvokeArgs=b"{}")
