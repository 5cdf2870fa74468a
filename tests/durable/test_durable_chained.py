"""Chained invokes on `lamina serve`: a durable function's `context.invoke` of a plain function
runs it once through the emulator and checkpoints its answer; an unknown function fails the
operation. (Durable targets: the conformance suite `invoke`, in make e2e, and 5-1 below.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from emulator.harness import ROLE, EmulatorProcess, unique

from durable.conformance.runner import run
from durable.conftest import DEPENDENCY_CACHE

PLAIN = """
def handler(event, context):
    return {"n": event["n"] * 10, "function": context.function_name}
"""


def plain_function(lam: Any) -> str:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", PLAIN)
    name = unique("plain-target")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    return name


def test_invoke_of_a_plain_function_and_of_a_missing_one(
    lam: Any, durable_function: Callable[..., str]
) -> None:
    target = plain_function(lam)
    name = durable_function("chained_invoke")
    event = {"target": target, "missing": "no-such-function"}
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert "FunctionError" not in response, response["Payload"].read()
    result = json.loads(response["Payload"].read())
    assert result["first"] == {"n": 10, "function": target}
    assert result["second"] == {"n": 110, "function": target}
    assert "no-such-function" in result["missing"]

    arn = response["DurableExecutionArn"]
    events = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)[
        "Events"
    ]
    started = [e for e in events if e["EventType"] == "ChainedInvokeStarted"]
    assert [e["Name"] for e in started] == ["first", "second", "missing"]
    assert started[0]["ChainedInvokeStartedDetails"]["FunctionName"] == target
    assert started[0]["ChainedInvokeStartedDetails"]["ExecutedVersion"] == "$LATEST"
    succeeded = [e for e in events if e["EventType"] == "ChainedInvokeSucceeded"]
    assert json.loads(succeeded[1]["ChainedInvokeSucceededDetails"]["Result"]["Payload"]) == {
        "n": 110,
        "function": target,
    }
    assert [e["Name"] for e in events if e["EventType"] == "ChainedInvokeFailed"] == ["missing"]


def test_conformance_invoke_and_batches_sample(skip_time_emulator: EmulatorProcess) -> None:
    pytest.importorskip("aws_durable_execution_conformance_tests")
    ids = {"5-1", "5-5", "8-21", "9-1"}
    outcomes = run(
        skip_time_emulator.endpoint, ["invoke", "parallel", "map"], DEPENDENCY_CACHE, only=ids
    )
    assert {o.requirement: o.status for o in outcomes} == dict.fromkeys(ids, "passed"), [
        o.detail for o in outcomes
    ]
