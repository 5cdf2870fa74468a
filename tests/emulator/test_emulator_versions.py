"""Versions and aliases through boto3: PublishVersion (unchanged $LATEST gives the existing
version, as on AWS), ListVersionsByFunction, the alias operations, qualifiers everywhere, and
weighted routing honoured by Invoke."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator.harness import check_shape, handler_zip, raw_call


def answer(lam: Any, name: str, **params: Any) -> Any:
    response = lam.invoke(FunctionName=name, **params)
    return json.loads(response["Payload"].read()), response.get("ExecutedVersion")


def test_publish_version(lam: Any, deploy: Any) -> None:
    name = deploy("one")
    latest = lam.get_function_configuration(FunctionName=name)
    first = lam.publish_version(FunctionName=name, Description="first")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert first["Version"] == "1" and first["Description"] == "first"
    assert first["FunctionArn"].endswith(f":function:{name}:1")
    assert first["CodeSha256"] == latest["CodeSha256"]
    # Unchanged $LATEST: AWS returns the existing version (moto would make a new one).
    again = lam.publish_version(FunctionName=name)
    assert again["Version"] == "1" and again["RevisionId"] == first["RevisionId"]

    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.publish_version(FunctionName=name, CodeSha256="not-the-sha")
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.publish_version(FunctionName=name, RevisionId="stale")

    lam.update_function_code(FunctionName=name, ZipFile=handler_zip("two"))
    second = lam.publish_version(FunctionName=name)
    assert second["Version"] == "2"
    lam.update_function_configuration(FunctionName=name, Timeout=20)
    assert lam.publish_version(FunctionName=name)["Version"] == "3", "a config change publishes"

    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2", "3"]
    assert versions[0]["FunctionArn"].endswith(f":{name}:$LATEST")
    page = lam.list_versions_by_function(FunctionName=name, MaxItems=2)
    assert [v["Version"] for v in page["Versions"]] == ["$LATEST", "1"]
    rest = lam.list_versions_by_function(FunctionName=name, Marker=page["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2", "3"]
    assert "NextMarker" not in rest

    # Each version runs its own code and reports itself.
    result, executed = answer(lam, name, Qualifier="1")
    assert (result["answer"], result["version"], executed) == ("one", "1", "1")
    result, executed = answer(lam, name, Qualifier="2")
    assert (result["answer"], result["version"], executed) == ("two", "2", "2")
    result, executed = answer(lam, name)
    assert (result["answer"], executed) == ("two", "$LATEST")
    assert result["arn"].endswith(f":function:{name}")
    result, _ = answer(lam, name, Qualifier="1")
    assert result["arn"].endswith(f":function:{name}:1")
    assert lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]["Version"] == "1"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name, Qualifier="42")


def test_aliases(lam: Any, deploy: Any, emulator: Any, lambda_model: Any) -> None:
    name = deploy("one")
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=handler_zip("two"))
    lam.publish_version(FunctionName=name)

    created = lam.create_alias(
        FunctionName=name, Name="live", FunctionVersion="1", Description="prod"
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["AliasArn"].endswith(f":function:{name}:live")
    status, _, body = raw_call(emulator.endpoint, "GET", f"/2015-03-31/functions/{name}/aliases")
    assert status == 200
    check_shape(lambda_model, "ListAliasesResponse", json.loads(body))
    # A duplicate: ResourceConflictException on AWS (moto says ConflictException).
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_alias(FunctionName=name, Name="bad", FunctionVersion="9")
    with pytest.raises(ClientError) as e:
        lam.create_alias(FunctionName=name, Name="123", FunctionVersion="1")
    assert e.value.response["Error"]["Code"] == "ValidationException"

    result, executed = answer(lam, name, Qualifier="live")
    assert (result["answer"], executed) == ("one", "1")
    assert result["arn"].endswith(f":function:{name}:live"), "the ARN the caller used"
    assert lam.get_function(FunctionName=f"{name}:live")["Configuration"]["Version"] == "1"
    assert lam.get_function_configuration(FunctionName=name, Qualifier="live")["Version"] == "1"

    got = lam.get_alias(FunctionName=name, Name="live")
    assert got["FunctionVersion"] == "1" and got["Description"] == "prod"
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2", RevisionId="old")
    updated = lam.update_alias(
        FunctionName=name, Name="live", FunctionVersion="2", RevisionId=got["RevisionId"]
    )
    assert updated["FunctionVersion"] == "2" and updated["Description"] == "prod"
    assert updated["RevisionId"] != got["RevisionId"]
    assert answer(lam, name, Qualifier="live")[1] == "2"

    lam.create_alias(FunctionName=name, Name="beta", FunctionVersion="$LATEST")
    lam.create_alias(FunctionName=name, Name="old", FunctionVersion="1")
    names = [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]]
    assert names == ["beta", "live", "old"]
    only_two = lam.list_aliases(FunctionName=name, FunctionVersion="2")["Aliases"]
    assert [a["Name"] for a in only_two] == ["live"]
    page = lam.list_aliases(FunctionName=name, MaxItems=1)
    assert len(page["Aliases"]) == 1 and page["NextMarker"]

    lam.delete_alias(FunctionName=name, Name="old")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_alias(FunctionName=name, Name="old")
    lam.delete_alias(FunctionName=name, Name="old")  # gone already: AWS answers 204 again
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=name, Qualifier="old")


def test_routing_config_rules(lam: Any, deploy: Any) -> None:
    name = deploy("one")
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=handler_zip("two"))
    lam.publish_version(FunctionName=name)
    bad = [
        ("$LATEST", {"1": 0.5}),  # $LATEST can't be routed
        ("1", {"1": 0.5}),  # the primary itself
        ("1", {"2": 1.5}),  # weight out of range
        ("1", {"7": 0.5}),  # no such version
    ]
    for primary, weights in bad:
        with pytest.raises(ClientError) as e:
            lam.create_alias(
                FunctionName=name,
                Name="split",
                FunctionVersion=primary,
                RoutingConfig={"AdditionalVersionWeights": weights},
            )
        assert e.value.response["Error"]["Code"] in (
            "InvalidParameterValueException",
            "ResourceNotFoundException",
            "ValidationException",  # a weight out of 0..1 breaks the model (AWS's recorded code)
        ), (primary, weights)
    alias = lam.create_alias(
        FunctionName=name,
        Name="split",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}},
    )
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    cleared = lam.update_alias(FunctionName=name, Name="split", RoutingConfig={})
    assert "RoutingConfig" not in cleared
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.delete_function(FunctionName=name, Qualifier="1")


def test_weighted_routing_is_honoured(lam: Any, deploy: Any) -> None:
    name = deploy("one")
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=handler_zip("two"))
    lam.publish_version(FunctionName=name)
    lam.create_alias(
        FunctionName=name,
        Name="canary",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}},
    )
    runs = 400
    executed: Counter[str] = Counter()
    for _ in range(runs):
        result, version = answer(lam, name, Qualifier="canary")
        assert result["answer"] == {"1": "one", "2": "two"}[version]
        executed[version] += 1
    # Binomial(400, 0.3): mean 120, sd 9.2; the bounds are 4+ sd away.
    assert 80 <= executed["2"] <= 160, executed
    assert executed["1"] + executed["2"] == runs
