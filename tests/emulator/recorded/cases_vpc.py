"""Rebuilt cases of LocalStack's VpcConfig tests (TestLambdaFunction), with moto server's EC2
standing in for AWS's (the suite's emulator runs with --sqs-endpoint, which serves EC2 too)."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from emulator.recorded.context import ROLE, CaseContext, case, code_zip
from emulator.recorded.sources import aws

F = "TestLambdaFunction"


@case(f"{F}::test_vpc_config", mid_transition=True)
def vpc_config(ctx: CaseContext, _: str | None) -> None:
    lam, ec2 = ctx.lam, aws(ctx, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ctx.cleanups.append(lambda: ec2.delete_vpc(VpcId=vpc))
    groups = [
        ec2.create_security_group(
            VpcId=vpc, GroupName=ctx.name("test-security-group"), Description=f"group {n}"
        )["GroupId"]
        for n in (1, 2)
    ]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
        for cidr in ("10.0.0.0/24", "10.0.1.0/24")
    ]
    for group in groups:
        ctx.cleanups.append(functools.partial(ec2.delete_security_group, GroupId=group))
    for subnet in subnets:
        ctx.cleanups.append(functools.partial(ec2.delete_subnet, SubnetId=subnet))
    name = ctx.name()
    vpc_1 = {"SubnetIds": [subnets[0]], "SecurityGroupIds": [groups[0]]}
    ctx.match(
        "create_response", ctx.create_function(name, MemorySize=256, Timeout=5, VpcConfig=vpc_1)
    )
    ctx.match("get_function_response", lam.get_function(FunctionName=name))
    vpc_2 = {"SubnetIds": [subnets[1]], "SecurityGroupIds": [groups[1]]}
    ctx.match(
        "update_vpcconfig_update_response",
        lam.update_function_configuration(FunctionName=name, VpcConfig=vpc_2),
    )
    waiter = lam.get_waiter("function_updated_v2")
    waiter.wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    ctx.match("update_vpcconfig_get_function_response", lam.get_function(FunctionName=name))
    empty: dict[str, list[str]] = {"SubnetIds": [], "SecurityGroupIds": []}
    ctx.match(
        "delete_vpcconfig_update_response",
        lam.update_function_configuration(FunctionName=name, VpcConfig=empty),
    )
    waiter.wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    ctx.match("delete_vpcconfig_get_function_response", lam.get_function(FunctionName=name))


def _create(ctx: CaseContext, vpc: dict[str, Any]) -> dict[str, Any]:
    return ctx.error(
        ctx.lam.create_function,
        FunctionName=ctx.name(),
        Handler="index.handler",
        Code={"ZipFile": code_zip()},
        PackageType="Zip",
        Role=ROLE,
        Runtime="python3.12",
        VpcConfig=vpc,
    )


@case(f"{F}::test_invalid_vpc_config_subnet")
def invalid_vpc_config_subnet(ctx: CaseContext, _: str | None) -> None:
    group = aws(ctx, "ec2").describe_security_groups(MaxResults=5)["SecurityGroups"][0]["GroupId"]
    missing, bad = f"subnet-{uuid.uuid4().hex[:8]}", f"bad-format-{uuid.uuid4().hex[:8]}"
    ctx.match(
        "create-response-non-existent-subnet-id",
        _create(ctx, {"SubnetIds": [missing], "SecurityGroupIds": [group]}),
    )
    ctx.match(
        "create-response-invalid-format-subnet-id",
        _create(ctx, {"SubnetIds": [bad], "SecurityGroupIds": [group]}),
    )


@case(f"{F}::test_invalid_vpc_config_security_group")
def invalid_vpc_config_security_group(ctx: CaseContext, _: str | None) -> None:
    subnet = f"subnet-{uuid.uuid4().hex[:8]}"  # not checked: the groups are, first
    missing, bad = f"sg-{uuid.uuid4().hex[:8]}", f"bad-format-{uuid.uuid4().hex[:8]}"
    ctx.match(
        "create-response-non-existent-security-group",
        _create(ctx, {"SubnetIds": [subnet], "SecurityGroupIds": [missing]}),
    )
    ctx.match(
        "create-response-invalid-format-security-group",
        _create(ctx, {"SubnetIds": [subnet], "SecurityGroupIds": [bad]}),
    )
