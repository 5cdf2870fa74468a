"""Code signing through boto3 against `lamina serve`: a configuration that enforces signing
refuses every ZipFile upload (none carries a signature Lamina could verify), before anything is
stored; under Warn the upload is accepted. CreateFunction's CodeSigningConfigArn attaches the
configuration, as PutFunctionCodeSigningConfig does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.harness import handler_zip, unique

PROFILE = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/test"


def _config(lam: Any, policy: str) -> str:
    created = lam.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": [PROFILE]},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy},
    )
    return str(created["CodeSigningConfig"]["CodeSigningConfigArn"])


def _answer(lam: Any, name: str) -> Any:
    return json.loads(lam.invoke(FunctionName=name)["Payload"].read())["answer"]


def test_enforce_refuses_unsigned_code_and_stores_nothing(lam: Any, deploy: Any) -> None:
    enforce = _config(lam, "Enforce")
    name = unique()
    with pytest.raises(lam.exceptions.CodeVerificationFailedException) as e:
        deploy(name=name, CodeSigningConfigArn=enforce)
    assert enforce in e.value.response["Error"]["Message"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)

    # An existing function that takes the configuration keeps its code: the next upload fails.
    deploy("old", name=name)
    lam.put_function_code_signing_config(CodeSigningConfigArn=enforce, FunctionName=name)
    with pytest.raises(lam.exceptions.CodeVerificationFailedException):
        lam.update_function_code(FunctionName=name, ZipFile=handler_zip("new"))
    assert _answer(lam, name) == "old"

    lam.delete_function_code_signing_config(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=handler_zip("new"))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert _answer(lam, name) == "new"


def test_warn_accepts_and_create_attaches_the_config(lam: Any, deploy: Any) -> None:
    warn = _config(lam, "Warn")
    name = deploy("warned", CodeSigningConfigArn=warn)
    got = lam.get_function_code_signing_config(FunctionName=name)
    assert got["CodeSigningConfigArn"] == warn
    assert [
        f.split(":")[-1]
        for f in lam.list_functions_by_code_signing_config(CodeSigningConfigArn=warn)[
            "FunctionArns"
        ]
    ] == [name]
    lam.update_function_code(FunctionName=name, ZipFile=handler_zip("again"))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert _answer(lam, name) == "again"


def test_create_with_a_config_that_does_not_exist(lam: Any, deploy: Any) -> None:
    gone = _config(lam, "Warn")
    lam.delete_code_signing_config(CodeSigningConfigArn=gone)
    name = unique()
    with pytest.raises(lam.exceptions.CodeSigningConfigNotFoundException):
        deploy(name=name, CodeSigningConfigArn=gone)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)
