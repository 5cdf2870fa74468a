"""A SAM template translated by AWS's own aws-sam-translator (what `sam deploy` and
CloudFormation run) and deployed to `lamina serve` with the calls CloudFormation makes for each
resource it produced: Function, Version, Alias, EventInvokeConfig and an SQS event source mapping
on a moto server queue. Then the deployed stack works: the alias answers, the queue triggers it.

The deployer below is the test's own stand-in for CloudFormation (the emulator serves no
CloudFormation): it resolves Ref/Fn::GetAtt as CloudFormation does for these resource types and
creates resources once what they refer to exists."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from samtranslator.translator.transform import transform

from emulator.harness import REGION, EmulatorProcess, make_client, start_emulator, wait_until

ACCOUNT = "123456789012"
# Writes each event it gets to $OUT (a file per event), and answers with its MODE.
SOURCE = """
import json, os, uuid

def handler(event, context):
    if "Records" in event:
        for record in event["Records"]:
            with open(os.path.join(os.environ["OUT"], uuid.uuid4().hex), "w") as f:
                f.write(record["body"])
    return {"mode": os.environ["MODE"], "version": context.function_version}
"""


def template(out: Path) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": {"QueueArn": {"Type": "String"}},
        "Resources": {
            "Worker": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "InlineCode": SOURCE,
                    "AutoPublishAlias": "live",
                    "Environment": {"Variables": {"MODE": "sam", "OUT": str(out)}},
                    "Events": {
                        "Work": {
                            "Type": "SQS",
                            "Properties": {"Queue": {"Ref": "QueueArn"}, "BatchSize": 5},
                        }
                    },
                    "EventInvokeConfig": {"MaximumRetryAttempts": 1},
                },
            }
        },
    }


class NoManagedPolicies:
    """aws-sam-translator asks IAM for AWS managed policy ARNs only for Policies: [name] entries;
    this template has none."""

    def load(self) -> dict[str, str]:
        return {}


class Stack:
    """CloudFormation's part: each resource created once its references resolve."""

    def __init__(self, lam: Any, parameters: dict[str, str]) -> None:
        self.lam = lam
        self.parameters = parameters
        self.refs: dict[str, Any] = {}
        self.attributes: dict[tuple[str, str], Any] = {}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Ref"}:
                name = value["Ref"]
                if name in self.parameters:
                    return self.parameters[name]
                if name not in self.refs:
                    raise LookupError(name)
                return self.refs[name]
            if set(value) == {"Fn::GetAtt"}:
                key = tuple(value["Fn::GetAtt"])
                if key not in self.attributes:
                    raise LookupError(key)
                return self.attributes[key]
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def deploy(self, resources: dict[str, Any]) -> None:
        pending = dict(resources)
        while pending:
            progressed = False
            for logical_id, resource in list(pending.items()):
                if any(d in pending for d in resource.get("DependsOn", [])):
                    continue
                try:
                    properties = self.resolve(resource.get("Properties", {}))
                except LookupError:
                    continue
                self.create(logical_id, resource["Type"], properties)
                del pending[logical_id]
                progressed = True
            assert progressed, f"unresolvable resources: {sorted(pending)}"

    def create(self, logical_id: str, kind: str, properties: dict[str, Any]) -> None:
        lam = self.lam
        if kind == "AWS::IAM::Role":  # the emulator takes any role ARN; IAM is not its job
            arn = f"arn:aws:iam::{ACCOUNT}:role/{logical_id}"
            self.refs[logical_id] = logical_id
            self.attributes[(logical_id, "Arn")] = arn
        elif kind == "AWS::Lambda::Function":
            code = properties.pop("Code")
            properties["Code"] = {"ZipFile": _inline_zip(code["ZipFile"])}
            properties["Tags"] = {t["Key"]: t["Value"] for t in properties.get("Tags", [])}
            name = f"stack-{logical_id}"
            created = lam.create_function(FunctionName=name, **properties)
            lam.get_waiter("function_active_v2").wait(FunctionName=name)
            self.refs[logical_id] = name
            self.attributes[(logical_id, "Arn")] = created["FunctionArn"]
        elif kind == "AWS::Lambda::Version":
            version = lam.publish_version(**properties)
            self.refs[logical_id] = version["FunctionArn"]
            self.attributes[(logical_id, "Version")] = version["Version"]
        elif kind == "AWS::Lambda::Alias":
            self.refs[logical_id] = lam.create_alias(**properties)["AliasArn"]
        elif kind == "AWS::Lambda::EventInvokeConfig":
            lam.put_function_event_invoke_config(**properties)
            self.refs[logical_id] = logical_id
        elif kind == "AWS::Lambda::EventSourceMapping":
            self.refs[logical_id] = lam.create_event_source_mapping(**properties)["UUID"]
        else:
            raise AssertionError(f"the translated template has a {kind}, which this test lacks")


def _inline_zip(source: str) -> bytes:
    """What CloudFormation makes of inline code for a Python runtime: index.py."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


@pytest.fixture
def polling(tmp_path: Path, moto_endpoint: str) -> Any:
    server = start_emulator(tmp_path / "data", "--sqs-endpoint", moto_endpoint)
    try:
        yield server
    finally:
        server.stop()


def test_a_translated_sam_template_deploys_and_runs(
    polling: EmulatorProcess, moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client("sqs", endpoint_url=moto_endpoint)
    url = sqs.create_queue(QueueName="sam-work", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    out = tmp_path / "events"
    out.mkdir()

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)  # the translator's pseudo parameters
    translated = transform(template(out), {"QueueArn": queue_arn}, NoManagedPolicies())
    resources = translated["Resources"]
    kinds = sorted(r["Type"] for r in resources.values())
    assert kinds == [
        "AWS::IAM::Role",
        "AWS::Lambda::Alias",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Lambda::Function",
        "AWS::Lambda::Version",
    ]

    lam = make_client(polling.endpoint)
    stack = Stack(lam, {"QueueArn": queue_arn})
    stack.deploy(resources)

    name = stack.refs["Worker"]
    assert lam.get_function(FunctionName=name)["Tags"] == {"lambda:createdBy": "SAM"}
    alias = lam.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "1"
    answer = json.loads(lam.invoke(FunctionName=name, Qualifier="live")["Payload"].read())
    assert answer == {"mode": "sam", "version": "1"}
    config = lam.get_function_event_invoke_config(FunctionName=name, Qualifier="live")
    assert config["MaximumRetryAttempts"] == 1
    (mapping,) = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert mapping["FunctionArn"] == alias["AliasArn"] and mapping["BatchSize"] == 5
    wait_until(lambda: lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled")

    sqs.send_message(QueueUrl=url, MessageBody="from the queue")
    wait_until(lambda: any(out.iterdir()), timeout=60)
    assert [p.read_text() for p in out.iterdir()] == ["from the queue"]
