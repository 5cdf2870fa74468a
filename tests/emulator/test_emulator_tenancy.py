"""Tenant isolation through `lamina serve` with boto3: a function created with TenancyConfig
(PER_TENANT) needs a tenant id on every invoke, hears it in its context (the Runtime API's
Lambda-Runtime-Aws-Tenant-Id header), and never shares an environment between two tenants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator.harness import wait_until
from emulator.test_emulator_async import deploy_source

TENANCY = {"TenantIsolationMode": "PER_TENANT"}

# Counts invocations per environment (module state survives warm invokes) and says who ran.
SOURCE = """
import os

SEEN = []

def handler(event, context):
    SEEN.append(context.tenant_id)
    answer = {"pid": os.getpid(), "tenant": context.tenant_id, "seen": SEEN}
    if os.environ.get("OUT"):
        with open(os.path.join(os.environ["OUT"], "async.txt"), "a") as f:
            f.write(str(context.tenant_id) + "\\n")
    return answer
"""


def _isolated(lam: Any, tmp_path: Path) -> str:
    return deploy_source(lam, SOURCE, tmp_path, TenancyConfig=TENANCY)


def _invoke(lam: Any, name: str, **params: Any) -> dict[str, Any]:
    answer = lam.invoke(FunctionName=name, **params)
    assert "FunctionError" not in answer
    result: dict[str, Any] = json.loads(answer["Payload"].read())
    return result


def test_each_tenant_gets_its_own_environments(lam: Any, tmp_path: Path) -> None:
    name = _isolated(lam, tmp_path)
    assert lam.get_function_configuration(FunctionName=name)["TenancyConfig"] == TENANCY

    blue1 = _invoke(lam, name, TenantId="blue")
    green1 = _invoke(lam, name, TenantId="green")
    blue2 = _invoke(lam, name, TenantId="blue")
    green2 = _invoke(lam, name, TenantId="green")

    assert blue1["tenant"] == blue2["tenant"] == "blue"
    assert green1["tenant"] == green2["tenant"] == "green"
    # Warm reuse within a tenant, never across tenants.
    assert blue1["pid"] == blue2["pid"]
    assert green1["pid"] == green2["pid"]
    assert blue1["pid"] != green1["pid"]
    assert blue2["seen"] == ["blue", "blue"]
    assert green2["seen"] == ["green", "green"]

    # A configuration change retires every tenant's environments.
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"CHANGED": "1"}}
    )
    assert _invoke(lam, name, TenantId="blue")["seen"] == ["blue"]
    assert _invoke(lam, name, TenantId="green")["seen"] == ["green"]


def test_a_streamed_invoke_runs_in_its_tenants_environment(lam: Any, tmp_path: Path) -> None:
    name = _isolated(lam, tmp_path)
    first = _invoke(lam, name, TenantId="amber")
    answer = lam.invoke_with_response_stream(FunctionName=name, TenantId="amber")
    body = b"".join(
        event["PayloadChunk"]["Payload"]
        for event in answer["EventStream"]
        if "PayloadChunk" in event
    )
    assert json.loads(body)["seen"] == ["amber", "amber"]
    assert first["seen"] == ["amber"]


def test_an_isolated_function_refuses_an_invoke_without_a_tenant(lam: Any, tmp_path: Path) -> None:
    name = _isolated(lam, tmp_path)
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "tenant" in caught.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName=name, TenantId="not valid!")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    # Still serving.
    assert _invoke(lam, name, TenantId="t1")["tenant"] == "t1"


def test_a_tenant_id_on_a_shared_function_is_refused(lam: Any, tmp_path: Path) -> None:
    name = deploy_source(lam, SOURCE, tmp_path)
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName=name, TenantId="blue")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert _invoke(lam, name)["tenant"] is None


def test_an_event_invoke_keeps_its_tenant(lam: Any, tmp_path: Path) -> None:
    name = _isolated(lam, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"OUT": str(out)}}
    )
    lam.invoke(FunctionName=name, InvocationType="Event", TenantId="violet")
    seen = out / "async.txt"
    wait_until(lambda: seen.exists() and seen.read_text().strip() != "", 30)
    assert seen.read_text().split() == ["violet"]
