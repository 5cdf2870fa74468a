"""Lambda Managed Instances through boto3 against `lamina serve`: a function attached to a capacity
provider runs with PerExecutionEnvironmentMaxConcurrency invocations in one environment.

The handlers meet at a barrier in the environment's temp dir (shared by its workers, private to
it): four invocations return only if all four run at once in one environment."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from emulator.harness import ROLE, handler_zip, make_client, start_emulator, unique

VPC = {"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-0123456789abcdef0"]}
PERMISSIONS = {"CapacityProviderOperatorRoleArn": "arn:aws:iam::123456789012:role/lamina-operator"}

BARRIER = """
import os, tempfile, time

def handler(event, context):
    here = os.path.join(tempfile.gettempdir(), "barrier-" + event["name"])
    os.makedirs(here, exist_ok=True)
    open(os.path.join(here, context.aws_request_id), "w").close()
    while len(os.listdir(here)) < event["wait_for"]:
        if context.get_remaining_time_in_millis() < 500:
            return {"barrier": "not met"}
        time.sleep(0.01)
    if event.get("fail"):
        raise ValueError("only this one fails")
    return {
        "request_id": context.aws_request_id,
        "pid": os.getpid(),
        "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
        "max_concurrency": os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY"),
        "init_type": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"),
    }
"""


def managed_function(lam: Any, concurrency: int) -> tuple[str, str]:
    provider = unique("cp")
    arn = lam.create_capacity_provider(
        CapacityProviderName=provider, VpcConfig=VPC, PermissionsConfig=PERMISSIONS
    )["CapacityProvider"]["CapacityProviderArn"]
    function = unique()
    lam.create_function(
        FunctionName=function,
        Runtime="python3.12",
        Role=ROLE,
        Handler="barrier.handler",
        Timeout=20,
        Code={"ZipFile": handler_zip(extra={"barrier.py": BARRIER})},
        CapacityProviderConfig={
            "LambdaManagedInstancesCapacityProviderConfig": {
                "CapacityProviderArn": arn,
                "PerExecutionEnvironmentMaxConcurrency": concurrency,
            }
        },
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=function)
    return function, provider


def invoke(lam: Any, function: str, event: dict[str, Any]) -> dict[str, Any]:
    response = lam.invoke(FunctionName=function, Payload=json.dumps(event).encode())
    body: dict[str, Any] = json.loads(response["Payload"].read())
    if "FunctionError" in response:
        return {"error": body}
    assert "barrier" not in body, body
    return body


def test_four_concurrent_invokes_served_by_one_environment(lam: Any) -> None:
    function, provider = managed_function(lam, 4)
    logging = lam.get_function_configuration(FunctionName=function)["LoggingConfig"]
    assert logging["LogFormat"] == "JSON"  # Managed Instances log in JSON only
    assert logging["ApplicationLogLevel"] == "INFO"
    events = [{"name": "four", "wait_for": 4} for _ in range(3)]
    events.append({"name": "four", "wait_for": 4, "fail": True})
    with ThreadPoolExecutor(4) as pool:
        bodies = list(pool.map(lambda event: invoke(lam, function, event), events))
    ok, failed = bodies[:3], bodies[3]
    assert failed["error"]["errorType"] == "ValueError"
    assert len({b["stream"] for b in ok}) == 1
    assert len({b["pid"] for b in ok}) == 3
    assert len({b["request_id"] for b in ok}) == 3
    assert {b["max_concurrency"] for b in ok} == {"4"}
    assert {b["init_type"] for b in ok} == {"lambda-managed-instances"}
    # The environment serves on after the error.
    assert invoke(lam, function, {"name": "after", "wait_for": 1})["stream"] == ok[0]["stream"]
    lam.delete_function(FunctionName=function)
    lam.delete_capacity_provider(CapacityProviderName=provider)


def test_scaling_config_starts_the_minimum_and_caps_at_the_maximum(lam: Any) -> None:
    """MinExecutionEnvironments 1: started ahead (no invoke reports an Init Duration);
    MaxExecutionEnvironments 1: a third invoke of a concurrency of 2 waits for that environment
    instead of starting another (there its barrier of two would never be met)."""
    function, provider = managed_function(lam, 2)
    scaling = {"MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 1}
    version = lam.publish_version(FunctionName=function)["Version"]
    lam.put_function_scaling_config(
        FunctionName=function, Qualifier=version, FunctionScalingConfig=scaling
    )

    def tailed(event: dict[str, Any]) -> tuple[dict[str, Any], str]:
        response = lam.invoke(
            FunctionName=function,
            Qualifier=version,
            Payload=json.dumps(event).encode(),
            LogType="Tail",
        )
        body: dict[str, Any] = json.loads(response["Payload"].read())
        assert "barrier" not in body, body
        return body, base64.b64decode(response["LogResult"]).decode()

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(tailed, [{"name": "capped", "wait_for": 2}] * 3))
    assert len({body["stream"] for body, _ in results}) == 1
    for body, logs in results:
        assert f"REPORT RequestId: {body['request_id']}" in logs
        assert "Init Duration" not in logs
    lam.delete_function(FunctionName=function)
    lam.delete_capacity_provider(CapacityProviderName=provider)


def test_scaling_config_acts_again_after_a_restart(tmp_path: Path) -> None:
    """A stored MaxExecutionEnvironments caps the pool of a restarted `lamina serve` too: a third
    invoke of a concurrency of 2 waits for the one environment (in a second one its barrier of
    two would never be met, and it would answer "not met")."""
    data = tmp_path / "data"
    server = start_emulator(data)
    try:
        lam = make_client(server.endpoint)
        function, _ = managed_function(lam, 2)
        version = lam.publish_version(FunctionName=function)["Version"]
        scaling = {"MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 1}
        lam.put_function_scaling_config(
            FunctionName=function, Qualifier=version, FunctionScalingConfig=scaling
        )
    finally:
        server.kill()
    server = start_emulator(data)
    try:
        lam = make_client(server.endpoint)
        events = [{"name": "restarted", "wait_for": 2}] * 3

        def call(event: dict[str, Any]) -> dict[str, Any]:
            response = lam.invoke(
                FunctionName=function, Qualifier=version, Payload=json.dumps(event).encode()
            )
            body: dict[str, Any] = json.loads(response["Payload"].read())
            assert "barrier" not in body, body
            return body

        with ThreadPoolExecutor(3) as pool:
            bodies = list(pool.map(call, events))
        assert len({body["stream"] for body in bodies}) == 1
    finally:
        server.stop()
