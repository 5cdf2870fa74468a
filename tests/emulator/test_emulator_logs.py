"""CloudWatch Logs' FilterLogEvents on `lamina serve`: a boto3 `logs` client pointed at the
emulator reads each function's output lines, filtered by time, terms and JSON patterns."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator.harness import REGION, handler_zip, unique

JSON_HANDLER = """
import json
def handler(event, context):
    print(json.dumps({"level": "INFO", "executionArn": event["arn"], "n": event["n"]}))
    print("plain line for", event["arn"])
    return event["n"]
"""


@pytest.fixture
def logs(emulator: Any) -> Any:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client("logs", endpoint_url=emulator.endpoint)


def _messages(logs: Any, **params: Any) -> list[str]:
    events: list[dict[str, Any]] = []
    while True:
        page = logs.filter_log_events(**params)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return [event["message"].rstrip("\n") for event in events]
        params["nextToken"] = page["nextToken"]


def test_filter_log_events_reads_a_functions_output(lam: Any, deploy: Any, logs: Any) -> None:
    name = deploy("logged")
    before = int(time.time() * 1000) - 1
    response = lam.invoke(FunctionName=name, Payload=b"{}")
    request_id = response["ResponseMetadata"]["RequestId"]
    group = f"/aws/lambda/{name}"

    everything = _messages(logs, logGroupName=group, startTime=before)
    assert everything[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert "answer logged" in everything
    assert everything[-1].startswith(f"REPORT RequestId: {request_id}")

    page = logs.filter_log_events(logGroupName=group, filterPattern="answer")
    assert [event["message"] for event in page["events"]] == ["answer logged\n"]
    event = page["events"][0]
    assert event["timestamp"] >= before and event["logStreamName"].endswith(
        request_id.replace("-", "")
    )
    # a window that ends before the invocation holds none of its lines
    assert logs.filter_log_events(logGroupName=group, endTime=before)["events"] == []
    # paging with limit and nextToken gives every line once, in order
    assert _messages(logs, logGroupName=group, limit=2) == everything
    assert f"/aws/lambda/{name}" in [
        g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    ]


def test_json_filter_patterns_pick_one_executions_lines(lam: Any, logs: Any) -> None:
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role="arn:aws:iam::123456789012:role/lamina-test",
        Handler="app.handler",
        Code={"ZipFile": handler_zip(extra={"app.py": JSON_HANDLER})},
    )
    for arn, n in (("arn-a", 1), ("arn-b", 2), ("arn-a", 3)):
        lam.invoke(FunctionName=name, Payload=json.dumps({"arn": arn, "n": n}).encode())
    group = f"/aws/lambda/{name}"

    # the conformance package's own pattern
    pattern = '{ ($.durableExecutionArn = "arn-a") || ($.executionArn = "arn-a") }'
    found = [json.loads(m)["n"] for m in _messages(logs, logGroupName=group, filterPattern=pattern)]
    assert found == [1, 3]
    numeric = '{ $.n >= 2 && $.level = "IN*" }'
    assert [
        json.loads(m)["n"] for m in _messages(logs, logGroupName=group, filterPattern=numeric)
    ] == [2, 3]
    assert _messages(logs, logGroupName=group, filterPattern='"plain line" -arn-a') == [
        "plain line for arn-b"
    ]
    either = _messages(logs, logGroupName=group, filterPattern="?arn-b ?nothing-here")
    assert len(either) == 2 and all("arn-b" in m for m in either)

    with pytest.raises(ClientError) as bad:
        logs.filter_log_events(logGroupName=group, filterPattern="{ $.n = ")
    assert bad.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as other:
        logs.filter_log_events(logGroupName="/ecs/something")
    assert other.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # the emulator goes on serving after refusing those
    assert lam.invoke(FunctionName=name, Payload=b'{"arn": "c", "n": 4}')["StatusCode"] == 200


LOGGER_HANDLER = """
import logging
logger = logging.getLogger("orders")
def handler(event, context):
    logger.info("step %s started", event["n"], extra={"executionArn": event["arn"]})
    logger.debug("not at INFO")
    return event["n"]
"""


def test_json_log_format_writes_records_a_json_pattern_finds(lam: Any, logs: Any) -> None:
    """LoggingConfig LogFormat JSON: the runtime writes awslambdaric's JSON records, with the
    record's `extra` fields, at ApplicationLogLevel and above."""
    name = unique()
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role="arn:aws:iam::123456789012:role/lamina-test",
        Handler="app.handler",
        Code={"ZipFile": handler_zip(extra={"app.py": LOGGER_HANDLER})},
        LoggingConfig={"LogFormat": "JSON"},
    )
    response = lam.invoke(FunctionName=name, Payload=b'{"arn": "arn-x", "n": 7}')
    request_id = response["ResponseMetadata"]["RequestId"]
    pattern = '{ $.executionArn = "arn-x" }'
    [line] = _messages(logs, logGroupName=f"/aws/lambda/{name}", filterPattern=pattern)
    record = json.loads(line)
    assert record["message"] == "step 7 started"
    assert record["level"] == "INFO" and record["logger"] == "orders"
    assert record["requestId"] == request_id
    assert record["timestamp"].endswith("Z")
    assert "not at INFO" not in "\n".join(_messages(logs, logGroupName=f"/aws/lambda/{name}"))


def test_a_post_to_the_root_that_is_no_logs_call_is_not_found(emulator: Any, logs: Any) -> None:
    import urllib.error
    import urllib.request

    def post(headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(emulator.endpoint + "/", data=b"{}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    assert post({})[0] == 404
    status, _ = post({"X-Amz-Target": "DynamoDB_20120810.ListTables"})
    assert status == 404
    # A Logs operation Lamina does not serve is still named as such.
    status, body = post({"X-Amz-Target": "Logs_20140328.PutLogEvents"})
    assert status == 400 and "PutLogEvents" in body["message"]
    assert logs.describe_log_groups()["logGroups"] is not None  # and it goes on serving
