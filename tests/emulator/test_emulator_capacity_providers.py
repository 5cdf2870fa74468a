"""Capacity providers (Lambda Managed Instances) through boto3 against `lamina serve`: stored,
attached to functions, tagged and refused as AWS does."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.harness import ROLE, handler_zip, unique

VPC = {"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-0123456789abcdef0"]}
PERMISSIONS = {"CapacityProviderOperatorRoleArn": "arn:aws:iam::123456789012:role/lamina-operator"}


def test_capacity_provider_lifecycle(lam: Any) -> None:
    name = unique("cp")
    created = lam.create_capacity_provider(
        CapacityProviderName=name, VpcConfig=VPC, PermissionsConfig=PERMISSIONS, Tags={"a": "1"}
    )["CapacityProvider"]
    arn = created["CapacityProviderArn"]
    assert created["State"] == "Pending"  # as AWS answers
    assert arn == f"arn:aws:lambda:us-east-1:123456789012:capacity-provider:{name}"
    got = lam.get_capacity_provider(CapacityProviderName=name)["CapacityProvider"]
    assert got["State"] == "Active" and got["VpcConfig"] == VPC
    assert arn in [
        p["CapacityProviderArn"] for p in lam.list_capacity_providers()["CapacityProviders"]
    ]
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "1"}
    lam.tag_resource(Resource=arn, Tags={"b": "2"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "1", "b": "2"}
    scaling = {"MaxVCpuCount": 12}
    updated = lam.update_capacity_provider(
        CapacityProviderName=name, CapacityProviderScalingConfig=scaling
    )["CapacityProvider"]
    assert updated["CapacityProviderScalingConfig"]["MaxVCpuCount"] == 12

    function = unique()
    lam.create_function(
        FunctionName=function,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip()},
        CapacityProviderConfig={
            "LambdaManagedInstancesCapacityProviderConfig": {"CapacityProviderArn": arn}
        },
    )
    versions = lam.list_function_versions_by_capacity_provider(CapacityProviderName=name)
    assert [v["FunctionArn"] for v in versions["FunctionVersions"]] == [
        f"arn:aws:lambda:us-east-1:123456789012:function:{function}:$LATEST"
    ]
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.delete_capacity_provider(CapacityProviderName=name)
    lam.delete_function(FunctionName=function)
    deleted = lam.delete_capacity_provider(CapacityProviderName=name)["CapacityProvider"]
    assert deleted["State"] == "Deleting"
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_capacity_provider(CapacityProviderName=name)
    assert e.value.response["Error"]["Message"] == f"Capacity provider not found: {arn}"


def test_capacity_provider_refusals(lam: Any) -> None:
    name = unique("cp")
    lam.create_capacity_provider(
        CapacityProviderName=name, VpcConfig=VPC, PermissionsConfig=PERMISSIONS
    )
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_capacity_provider(
            CapacityProviderName=name, VpcConfig=VPC, PermissionsConfig=PERMISSIONS
        )
    missing = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:" + unique("nope")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_function(
            FunctionName=unique(),
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": handler_zip()},
            CapacityProviderConfig={
                "LambdaManagedInstancesCapacityProviderConfig": {"CapacityProviderArn": missing}
            },
        )
    lam.delete_capacity_provider(CapacityProviderName=name)


def test_function_scaling_config(lam: Any, deploy: Any) -> None:
    name = deploy()
    version = lam.publish_version(FunctionName=name)["Version"]
    assert "RequestedFunctionScalingConfig" not in lam.get_function_scaling_config(
        FunctionName=name, Qualifier=version
    )
    scaling = {"MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 4}
    put = lam.put_function_scaling_config(
        FunctionName=name, Qualifier=version, FunctionScalingConfig=scaling
    )
    assert put["FunctionState"] == "Active"
    got = lam.get_function_scaling_config(FunctionName=name, Qualifier=version)
    assert got["RequestedFunctionScalingConfig"] == scaling
    assert got["FunctionArn"].endswith(f":function:{name}:{version}")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_function_scaling_config(
            FunctionName=name,
            Qualifier=version,
            FunctionScalingConfig={"MinExecutionEnvironments": 5, "MaxExecutionEnvironments": 2},
        )
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_scaling_config(FunctionName=name, Qualifier="99")
