"""InvokeWithResponseStream through boto3: the event stream it reads (a PayloadChunk, then an
InvokeComplete with the log tail or the function's error), DryRun and a missing function."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError


def events(response: Any) -> list[tuple[str, Any]]:
    return [(kind, value) for event in response["EventStream"] for kind, value in event.items()]


def test_the_answer_as_a_chunk_then_invoke_complete_with_the_log_tail(
    lam: Any, deploy: Any
) -> None:
    name = deploy("streamed")
    response = lam.invoke_with_response_stream(
        FunctionName=name, Payload=b'{"x": 1}', LogType="Tail"
    )
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    got = events(response)
    assert [kind for kind, _ in got] == ["PayloadChunk", "InvokeComplete"]
    body = json.loads(got[0][1]["Payload"])
    assert body["answer"] == "streamed" and body["event"] == {"x": 1}
    complete = got[1][1]
    assert "ErrorCode" not in complete
    logs = base64.b64decode(complete["LogResult"]).decode()
    assert "answer streamed" in logs and "REPORT RequestId: " in logs


def test_a_function_error_is_in_invoke_complete(lam: Any, deploy: Any) -> None:
    name = deploy("broken")
    got = events(lam.invoke_with_response_stream(FunctionName=name, Payload=b'{"fail": true}'))
    assert [kind for kind, _ in got] == ["InvokeComplete"]
    assert got[0][1]["ErrorCode"] == "ValueError"
    assert got[0][1]["ErrorDetails"] == "boom broken"


def test_dry_run_and_a_missing_function(lam: Any, deploy: Any) -> None:
    name = deploy()
    dry = lam.invoke_with_response_stream(FunctionName=name, InvocationType="DryRun")
    assert dry["StatusCode"] == 204
    with pytest.raises(ClientError) as missing:
        lam.invoke_with_response_stream(FunctionName="no-such-function")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
