"""What tenant isolation doesn't combine with, through `lamina serve` with boto3: AWS refuses
provisioned concurrency, function URLs, event source mappings and SnapStart on a function
created with TenancyConfig (PER_TENANT); a function without it takes them all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator.test_emulator_async import deploy_source

TENANCY = {"TenantIsolationMode": "PER_TENANT"}
SNAPSTART = {"ApplyOn": "PublishedVersions"}
SOURCE = "def handler(event, context):\n    return context.tenant_id\n"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:tenancy-queue"


def _refused(call: Any, feature: str, **params: Any) -> None:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == (
        f"{feature} is not supported for functions with tenant isolation mode enabled."
    )


def test_provisioned_concurrency_urls_and_mappings_are_refused(lam: Any, tmp_path: Path) -> None:
    name = deploy_source(lam, SOURCE, tmp_path, TenancyConfig=TENANCY, Publish=True)
    _refused(
        lam.put_provisioned_concurrency_config,
        "Provisioned concurrency",
        FunctionName=name,
        Qualifier="1",
        ProvisionedConcurrentExecutions=1,
    )
    _refused(lam.create_function_url_config, "Function URL", FunctionName=name, AuthType="NONE")
    _refused(
        lam.create_event_source_mapping,
        "Event source mapping",
        FunctionName=name,
        EventSourceArn=QUEUE,
    )
    # Nothing was kept, and the function still serves its tenants.
    assert (
        lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
        == []
    )
    assert lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []
    assert lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"] == []
    answer = lam.invoke(FunctionName=name, TenantId="blue")
    assert answer["Payload"].read() == b'"blue"'


def test_a_shared_function_takes_a_url_and_provisioned_concurrency(
    lam: Any, tmp_path: Path
) -> None:
    name = deploy_source(lam, SOURCE, tmp_path, Publish=True)
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert url["AuthType"] == "NONE"
    config = lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
    )
    assert config["RequestedProvisionedConcurrentExecutions"] == 1
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")


def test_snapstart_is_refused_with_tenancy(lam: Any, tmp_path: Path) -> None:
    (tmp_path / "first").mkdir()
    with pytest.raises(ClientError) as caught:
        deploy_source(
            lam,
            SOURCE,
            tmp_path / "first",
            name="snap-isolated",
            TenancyConfig=TENANCY,
            SnapStart=SNAPSTART,
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "SnapStart" in caught.value.response["Error"]["Message"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="snap-isolated")  # not created

    # SnapStart off is fine at creation; turning it on later is refused and changes nothing.
    name = deploy_source(
        lam, SOURCE, tmp_path, TenancyConfig=TENANCY, SnapStart={"ApplyOn": "None"}
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    _refused(lam.update_function_configuration, "SnapStart", FunctionName=name, SnapStart=SNAPSTART)
    config = lam.get_function_configuration(FunctionName=name)
    assert config["SnapStart"]["ApplyOn"] == "None"
    assert config["TenancyConfig"] == TENANCY

    # A shared function takes SnapStart.
    shared = deploy_source(lam, SOURCE, tmp_path, SnapStart=SNAPSTART)
    assert lam.get_function_configuration(FunctionName=shared)["SnapStart"]["ApplyOn"] == (
        "PublishedVersions"
    )
