"""Resource policies, tags, account settings, the error wire format, and unsupported operations."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from emulator.harness import ACCOUNT, check_shape, raw_call, unique


def test_add_remove_get_policy(lam: Any, deploy: Any) -> None:
    name = deploy()
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName=name)
    added = lam.add_permission(
        FunctionName=name,
        StatementId="allow-s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::my-bucket",
        SourceAccount=ACCOUNT,
    )
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    statement = json.loads(added["Statement"])
    assert statement == {
        "Sid": "allow-s3",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": arn,
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": ACCOUNT},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket"},
        },
    }
    lam.add_permission(
        FunctionName=name, StatementId="acct", Action="lambda:GetFunction", Principal="210987654321"
    )
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.add_permission(FunctionName=name, StatementId="acct", Action="lambda:*", Principal="*")
    policy = lam.get_policy(FunctionName=name)
    document = json.loads(policy["Policy"])
    assert document["Version"] == "2012-10-17"
    assert [s["Sid"] for s in document["Statement"]] == ["allow-s3", "acct"]
    assert document["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.add_permission(
            FunctionName=name,
            StatementId="x",
            Action="lambda:InvokeFunction",
            Principal="*",
            RevisionId="stale",
        )

    lam.remove_permission(FunctionName=name, StatementId="acct", RevisionId=policy["RevisionId"])
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.remove_permission(FunctionName=name, StatementId="acct")
    lam.remove_permission(FunctionName=name, StatementId="allow-s3")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName=name)

    # Qualified policies are separate, and their target must exist.
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.add_permission(
        FunctionName=name,
        StatementId="alias",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        Qualifier="live",
    )
    alias_policy = json.loads(lam.get_policy(FunctionName=name, Qualifier="live")["Policy"])
    assert alias_policy["Statement"][0]["Resource"] == f"{arn}:live"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.add_permission(
            FunctionName=name,
            StatementId="nope",
            Action="lambda:InvokeFunction",
            Principal="*",
            Qualifier="nosuchalias",
        )


def test_tags(lam: Any, deploy: Any) -> None:
    name = deploy(Tags={"a": "1"})
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "1"}
    lam.tag_resource(Resource=arn, Tags={"b": "2", "c": "3"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "1", "b": "2", "c": "3"}
    lam.untag_resource(Resource=arn, TagKeys=["a", "c"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    assert lam.get_function(FunctionName=name)["Tags"] == {"b": "2"}
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.list_tags(Resource=arn + "-missing")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.tag_resource(Resource=arn + ":1", Tags={"x": "y"})


def test_account_settings(lam: Any, deploy: Any, emulator: Any, lambda_model: Any) -> None:
    name = deploy()
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    settings = lam.get_account_settings()
    limit, usage = settings["AccountLimit"], settings["AccountUsage"]
    assert limit["ConcurrentExecutions"] == 1000
    assert limit["UnreservedConcurrentExecutions"] <= 993
    assert limit["CodeSizeZipped"] == 52428800 and limit["CodeSizeUnzipped"] == 262144000
    assert usage["FunctionCount"] >= 1 and usage["TotalCodeSize"] > 0
    status, _, body = raw_call(emulator.endpoint, "GET", "/2016-08-19/account-settings")
    check_shape(lambda_model, "GetAccountSettingsResponse", json.loads(body))
    lam.delete_function(FunctionName=name)


def test_error_wire_format(emulator: Any) -> None:
    name = unique("missing")
    status, headers, body = raw_call(emulator.endpoint, "GET", f"/2015-03-31/functions/{name}")
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert headers["Content-Type"].startswith("application/json")
    error = json.loads(body)
    assert error["Type"] == "User"
    assert (
        error["message"]
        == f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    )


def test_unsupported_operations_are_named(lam: Any, emulator: Any) -> None:
    """Every operation of botocore's model is served (the Layers API last); a request that is
    no Lambda operation is named as such."""
    assert lam.list_layers()["Layers"] is not None
    status, headers, body = raw_call(emulator.endpoint, "GET", "/not/lambda")
    assert status == 404 and headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert "GET /not/lambda" in json.loads(body)["message"]


def test_resource_policy_documents(lam: Any, deploy: Any) -> None:
    """Put/Get/DeleteResourcePolicy work on the same policy as AddPermission and GetPolicy."""
    name = deploy()
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_resource_policy(ResourceArn=arn)
    statement = {
        "Sid": "events",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": arn,
    }
    put = lam.put_resource_policy(
        ResourceArn=arn, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    got = lam.get_resource_policy(ResourceArn=arn)
    assert got["RevisionId"] == put["RevisionId"]
    assert json.loads(got["Policy"])["Statement"] == [statement]
    assert json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"] == [statement]
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.put_resource_policy(
            ResourceArn=arn, Policy=json.dumps({"Statement": []}), RevisionId=str(uuid.uuid4())
        )
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_resource_policy(ResourceArn=arn, Policy="not json")
    lam.delete_resource_policy(ResourceArn=arn, RevisionId=got["RevisionId"])
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName=name)
