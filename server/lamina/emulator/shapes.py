"""Response bodies in the shapes of botocore's Lambda model (FunctionConfiguration,
AliasConfiguration, ...), built from the store's records."""

from __future__ import annotations

import time
from typing import Any

from lamina.emulator.model import Alias, FunctionState, VersionConfig
from lamina.emulator.names import Arns

CREATING_REASON = "The function is being created."


def function_configuration(
    arns: Arns,
    config: VersionConfig,
    qualifier: str | None = None,
    *,
    full: bool = True,
    now: float | None = None,
) -> dict[str, Any]:
    """FunctionConfiguration. `qualifier` qualifies FunctionArn as the caller named it; `full`
    False leaves out the state fields, as ListFunctions and ListVersionsByFunction do."""
    now = time.time() if now is None else now
    body: dict[str, Any] = {
        "FunctionName": config.function_name,
        "FunctionArn": arns.function(config.function_name, qualifier),
        "Runtime": config.runtime,
        "Role": config.role,
        "Handler": config.handler,
        "CodeSize": config.code_size,
        "Description": config.description,
        "Timeout": config.timeout,
        "MemorySize": config.memory_size,
        "LastModified": config.last_modified,
        "CodeSha256": config.code_sha256,
        "Version": config.version,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": config.revision_id,
        "PackageType": "Zip",
        "Architectures": list(config.architectures),
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {
            "LogFormat": "Text",
            "LogGroup": f"/aws/lambda/{config.function_name}",
        },
    }
    if config.environment:
        body["Environment"] = {"Variables": dict(config.environment)}
    for member, value in config.echoed_dict().items():
        if member == "Layers":
            body["Layers"] = [{"Arn": arn, "CodeSize": 0} for arn in value]
        elif member == "SnapStart":
            body["SnapStart"] = {**value, "OptimizationStatus": "Off"}
        elif member == "VpcConfig":
            body["VpcConfig"] = {**value, "VpcId": value.get("VpcId", "")}
        else:
            body[member] = value
    if full:
        if now < config.ready_at:
            body["State"] = "Pending"
            body["StateReason"] = CREATING_REASON
            body["StateReasonCode"] = "Creating"
        else:
            body["State"] = "Active"
        if now < config.update_done_at or now < config.ready_at:
            # AWS gives this reason (and the code "Creating", which botocore's model lacks).
            body["LastUpdateStatus"] = "InProgress"
            body["LastUpdateStatusReason"] = CREATING_REASON
        else:
            body["LastUpdateStatus"] = "Successful"
    return body


def alias_configuration(arns: Arns, function_name: str, alias: Alias) -> dict[str, Any]:
    body: dict[str, Any] = {
        "AliasArn": arns.function(function_name, alias.name),
        "Name": alias.name,
        "FunctionVersion": alias.function_version,
        "Description": alias.description,
        "RevisionId": alias.revision_id,
    }
    if alias.weights:
        body["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.weights)}
    return body


def is_updating(config: VersionConfig, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return now < config.update_done_at or now < config.ready_at


def concurrency(state: FunctionState) -> dict[str, Any]:
    if state.reserved_concurrency is None:
        return {}
    return {"ReservedConcurrentExecutions": state.reserved_concurrency}
