"""The control plane, run against `lamina serve` and against moto server with the same calls, to
show they are the calls AWS's API takes. Where moto differs from AWS, the test follows AWS for
Lamina and says what moto does."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from typing import Any

import pytest

from emulator.harness import ROLE, handler_zip, make_client, unique, wait_until


@pytest.fixture(params=["lamina", "moto"])
def target(request: pytest.FixtureRequest, emulator: Any) -> tuple[str, Any]:
    if request.param == "lamina":
        return "lamina", make_client(emulator.endpoint)
    moto = request.getfixturevalue("moto_endpoint")
    import boto3

    iam = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client("iam", endpoint_url=moto)
    role_name = ROLE.rsplit("/", 1)[1]
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
    return "moto", make_client(moto)


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_control_plane(target: tuple[str, Any]) -> None:
    kind, lam = target
    name = unique("parity")
    first, second = handler_zip("one"), handler_zip("two")

    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": first},
        Timeout=5,
        Tags={"team": "a"},
    )
    assert created["FunctionName"] == name and created["Version"] == "$LATEST"
    assert created["CodeSha256"] == sha(first) and created["CodeSize"] == len(first)
    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    got = lam.get_function(FunctionName=name)
    assert got["Configuration"]["Timeout"] == 5 and got["Tags"] == {"team": "a"}
    assert lam.get_function_configuration(FunctionName=name)["Handler"] == "app.handler"
    names = [
        f["FunctionName"]
        for page in lam.get_paginator("list_functions").paginate()
        for f in page["Functions"]
    ]
    assert name in names

    updated = lam.update_function_code(FunctionName=name, ZipFile=second)
    assert updated["CodeSha256"] == sha(second)
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    config = lam.update_function_configuration(FunctionName=name, Timeout=9, Description="d")
    assert config["Timeout"] == 9 and config["Description"] == "d"

    version = lam.publish_version(FunctionName=name)
    assert version["Version"] == "1" and version["CodeSha256"] == sha(second)
    again = lam.publish_version(FunctionName=name)
    if kind == "lamina":
        assert again["Version"] == "1", "AWS returns the existing version for unchanged code"
    else:
        assert again["Version"] == "2", "moto publishes a new version anyway (unlike AWS)"
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions[:2] == ["$LATEST", "1"]

    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert alias["AliasArn"].endswith(f":{name}:live") and alias["FunctionVersion"] == "1"
    with pytest.raises(Exception) as duplicate:
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    code = duplicate.value.response["Error"]["Code"]  # type: ignore[attr-defined]
    # AWS: ResourceConflictException; moto says ConflictException.
    assert code == ("ResourceConflictException" if kind == "lamina" else "ConflictException")
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"
    lam.update_alias(FunctionName=name, Name="live", Description="prod")
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["live"]
    lam.delete_alias(FunctionName=name, Name="live")
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []

    arn = created["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"env": "dev"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "a", "env": "dev"}
    lam.untag_resource(Resource=arn, TagKeys=["team"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "dev"}

    added = lam.add_permission(
        FunctionName=name,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::bucket",
    )
    assert json.loads(added["Statement"])["Sid"] == "s3"
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s3"]
    lam.remove_permission(FunctionName=name, StatementId="s3")

    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=3)
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 3
    lam.delete_function_concurrency(FunctionName=name)

    if kind == "lamina":  # moto server has no GetAccountSettings (a bare 404 page)
        assert lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] > 0

    lam.delete_function(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)


def test_async_settings_and_event_source_mappings(
    target: tuple[str, Any], moto_endpoint: str
) -> None:
    kind, lam = target
    name = unique("parity")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("one")},
    )
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    # Another function as the destination: AWS refuses the function itself, and so does Lamina.
    lam.create_function(
        FunctionName=f"{name}-sink",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("sink")},
    )
    sink = f"{arn}-sink"
    put = lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=1,
        MaximumEventAgeInSeconds=300,
        DestinationConfig={"OnFailure": {"Destination": sink}},
    )
    assert (put["MaximumRetryAttempts"], put["MaximumEventAgeInSeconds"]) == (1, 300)
    assert put["DestinationConfig"]["OnFailure"] == {"Destination": sink}
    # AWS reports the unqualified function's settings with the $LATEST ARN; moto leaves it off.
    assert put["FunctionArn"] == (arn + ":$LATEST" if kind == "lamina" else arn)
    updated = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert updated["MaximumRetryAttempts"] == 0
    if kind == "lamina":  # AWS merges an update into the settings; moto replaces them
        assert updated["MaximumEventAgeInSeconds"] == 300
    assert (
        len(lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"])
        == 1
    )
    lam.delete_function_event_invoke_config(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=name)

    import boto3

    sqs = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client("sqs", endpoint_url=moto_endpoint)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    created = lam.create_event_source_mapping(
        EventSourceArn=queue, FunctionName=name, BatchSize=5, Enabled=False
    )
    uuid = created["UUID"]
    assert (created["EventSourceArn"], created["FunctionArn"], created["BatchSize"]) == (
        queue,
        arn,
        5,
    )
    # Created disabled, AWS answers Disabled at once (recorded: test_lambda_integration_sqs's
    # create_esm_disabled), as moto does.
    assert created["State"] == "Disabled"
    wait_until(lambda: lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled")
    assert lam.update_event_source_mapping(UUID=uuid, BatchSize=7)["BatchSize"] == 7
    listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [uuid]
    assert lam.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_event_source_mapping(UUID=uuid)
