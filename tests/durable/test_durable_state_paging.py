"""The invocation input's InitialExecutionState holds the first page of an execution's
operations (5 MB, the testing runner's page); the SDK reads the rest with
GetDurableExecutionState and its Marker. Here the replay after a wait starts from 24 step
results of 250 KB (6 MB), and gets them all back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def test_a_replay_reads_state_beyond_the_first_page(
    lam: Any, durable_function: Callable[..., str]
) -> None:
    name = durable_function("paged_state")
    lam.update_function_configuration(FunctionName=name, MemorySize=512)
    response = lam.invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in response, response["Payload"].read()[:2000]
    assert json.loads(response["Payload"].read()) == {
        "lengths": [250_000],
        "heads": "abcdefghijklmnopqrstuvwx",
    }
    arn = response["DurableExecutionArn"]
    kinds = [
        e["EventType"] for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    ]
    # The replay returned each part from its checkpoint, not by running its step again.
    assert kinds.count("StepSucceeded") == 25 and kinds.count("InvocationCompleted") == 2
