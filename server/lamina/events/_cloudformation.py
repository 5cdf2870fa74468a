"""CloudFormation custom resources: the Create, Update and Delete requests a function backing a
`Custom::` resource gets (AWS's documented request object)."""

from __future__ import annotations

from datetime import datetime

from lamina.events._common import (
    DEFAULT_ACCOUNT,
    Event,
    Params,
    Spec,
    default_region,
    dns_suffix,
    hex_id,
    new_uuid,
    partition,
)


def build_custom_resource(p: Params, now: datetime) -> Event:
    region, account, stack = p["region"], p["account"], p["stack"]
    request_type = p.choice("request_type", ("Create", "Update", "Delete"))
    properties = p.json_object("properties")
    service_token = f"arn:{partition(region)}:lambda:{region}:{account}:function:{p['function']}"
    stack_id = (
        f"arn:{partition(region)}:cloudformation:{region}:{account}:stack/{stack}/{new_uuid()}"
    )
    event: Event = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": (
            f"https://cloudformation-custom-resource-response-{region.replace('-', '')}"
            f".s3.{region}.{dns_suffix(region)}/{hex_id(32)}"
        ),
        "StackId": stack_id,
        "RequestId": new_uuid(),
        "LogicalResourceId": p["logical_id"],
        "ResourceType": p["resource_type"],
        # CloudFormation passes the ServiceToken among the properties too
        "ResourceProperties": {"ServiceToken": service_token, **properties},
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = p["physical_id"] or f"{stack}-{p['logical_id']}-{hex_id(12)}"
    if request_type == "Update":
        event["OldResourceProperties"] = {"ServiceToken": service_token, **properties}
    return event


SPECS = (
    Spec(
        "cloudformation-custom-resource",
        "CloudFormation custom resource request (request_type Create, Update or Delete)",
        {
            "request_type": "Create",
            "resource_type": "Custom::MyResource",
            "logical_id": "MyResource",
            "physical_id": "",
            "properties": "{}",
            "stack": "my-stack",
            "function": "my-function",
            "region": default_region,
            "account": DEFAULT_ACCOUNT,
        },
        build_custom_resource,
        aliases=("custom-resource", "cloudformation"),
    ),
)
