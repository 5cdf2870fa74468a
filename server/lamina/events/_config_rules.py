"""AWS Config rule evaluations: a configuration item change, an oversized one, and a periodic
run, each as AWS Config invokes a custom rule's function."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from lamina.events._common import (
    DEFAULT_ACCOUNT,
    Default,
    Event,
    Params,
    Spec,
    b64_token,
    default_region,
    hex_id,
    iso_ms,
    partition,
)


def _config_event(p: Params, invoking: Mapping[str, object], rule_name: str) -> Event:
    region, account = p["region"], p["account"]
    arn_partition = partition(region)
    rule_id = f"config-rule-{hex_id(6)}"
    return {
        "invokingEvent": json.dumps(invoking, separators=(",", ":")),
        "ruleParameters": json.dumps(p.json_object("rule_parameters"), separators=(",", ":")),
        "resultToken": b64_token(48),
        "eventLeftScope": False,
        "executionRoleArn": f"arn:{arn_partition}:iam::{account}:role/config-role",
        "configRuleArn": f"arn:{arn_partition}:config:{region}:{account}:config-rule/{rule_id}",
        "configRuleName": rule_name,
        "configRuleId": rule_id,
        "accountId": account,
        "version": "1.0",
    }


def _configuration_item(p: Params, now: datetime) -> dict[str, object]:
    region, account, resource_id = p["region"], p["account"], p["resource_id"]
    return {
        "configurationItemCaptureTime": iso_ms(now),
        "awsAccountId": account,
        "configurationItemStatus": "OK",
        "resourceId": resource_id,
        "resourceName": None,
        "configurationStateMd5Hash": "",
        "resourceCreationTime": iso_ms(now),
        "configurationStateId": int(now.timestamp() * 1000),
        "configurationItemVersion": "1.3",
        "ARN": f"arn:{partition(region)}:ec2:{region}:{account}:instance/{resource_id}",
        "awsRegion": region,
        "availabilityZone": f"{region}a",
        "resourceType": p["resource_type"],
        "tags": {},
        "relationships": [],
        "configuration": {},
    }


def build_config_change(p: Params, now: datetime) -> Event:
    invoking = {
        "configurationItem": _configuration_item(p, now),
        "notificationCreationTime": iso_ms(now),
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    }
    return _config_event(p, invoking, p["rule"])


def build_config_oversized(p: Params, now: datetime) -> Event:
    item = _configuration_item(p, now)
    summary = {key: value for key, value in item.items() if key not in ("tags", "relationships",
                                                                          "configuration")}  # fmt: skip
    summary["changeType"] = "UPDATE"
    invoking = {
        "configurationItemSummary": summary,
        "s3DeliverySummary": {
            "s3BucketLocation": f"config-bucket-{p['account']}/AWSLogs/{p['account']}/Config/"
        },
        "notificationCreationTime": iso_ms(now),
        "messageType": "OversizedConfigurationItemChangeNotification",
        "recordVersion": "1.0",
    }
    return _config_event(p, invoking, p["rule"])


def build_config_periodic(p: Params, now: datetime) -> Event:
    invoking = {
        "awsAccountId": p["account"],
        "notificationCreationTime": iso_ms(now),
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    return _config_event(p, invoking, p["rule"])


_CONFIG: dict[str, Default] = {
    "region": default_region,
    "account": DEFAULT_ACCOUNT,
    "rule": "change-triggered-config-rule",
    "rule_parameters": "{}",
    "resource_id": "i-0123456789abcdef0",
    "resource_type": "AWS::EC2::Instance",
}

SPECS = (
    Spec(
        "config-change",
        "AWS Config rule: configuration item change",
        _CONFIG,
        build_config_change,
        aliases=("config",),
    ),
    Spec(
        "config-oversized",
        "AWS Config rule: oversized configuration item change",
        _CONFIG,
        build_config_oversized,
    ),
    Spec(
        "config-periodic",
        "AWS Config rule: periodic evaluation",
        {**_CONFIG, "rule": "periodic-config-rule"},
        build_config_periodic,
    ),
)
