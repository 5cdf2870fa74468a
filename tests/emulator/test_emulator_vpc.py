"""VpcConfig without an EC2 endpoint: `lamina serve` takes it and echoes it as Lambda shapes it
(VpcId, Ipv6AllowedForDualStack) and never calls AWS to check it. With an endpoint (moto server),
the recorded suite checks AWS's answers: tests/emulator/recorded/cases_vpc.py."""

from __future__ import annotations

from typing import Any

from emulator.harness import ROLE, handler_zip, unique


def test_vpc_config_is_echoed_without_an_ec2_endpoint(lam: Any) -> None:
    name = unique("vpc")
    vpc = {"SubnetIds": ["subnet-0123abcd"], "SecurityGroupIds": ["sg-0123abcd"]}
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip()},
        VpcConfig=vpc,
    )
    assert created["VpcConfig"] == {**vpc, "VpcId": "", "Ipv6AllowedForDualStack": False}
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    detached = lam.update_function_configuration(
        FunctionName=name, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
    )
    assert detached["VpcConfig"] == {
        "SubnetIds": [],
        "SecurityGroupIds": [],
        "VpcId": "",
        "Ipv6AllowedForDualStack": False,
    }
    # It still runs: there is no VPC to attach to locally.
    assert lam.invoke(FunctionName=name)["StatusCode"] == 200
