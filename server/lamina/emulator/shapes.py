"""Response bodies in the shapes of botocore's Lambda model (FunctionConfiguration,
AliasConfiguration, ...), built from the store's records."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from lamina.emulator.model import Alias, FunctionState, VersionConfig
from lamina.emulator.names import Arns

CREATING_REASON = "The function is being created."


def runtime_version_arn(arns: Arns, runtime: str) -> str:
    """A stable RuntimeVersionArn per runtime, in AWS's form (a 64-hex-digit version id)."""
    digest = hashlib.sha256(f"lamina:{runtime}".encode()).hexdigest()
    return f"arn:aws:lambda:{arns.region}::runtime:{digest}"


def function_configuration(
    arns: Arns,
    config: VersionConfig,
    qualifier: str | None = None,
    *,
    full: bool = True,
    now: float | None = None,
    transition: str | None = None,
) -> dict[str, Any]:
    """FunctionConfiguration. `qualifier` qualifies FunctionArn as the caller named it; `full`
    False leaves out the state fields, as ListFunctions and ListVersionsByFunction do.
    `transition` ("create" or "update") shows the answer of the call that started one: AWS
    answers Pending or InProgress even when the transition completes right after."""
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
        "RevisionId": config.revision_id if transition else config.current_revision(now),
        "PackageType": "Zip",
        "Architectures": list(config.architectures),
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {
            "LogFormat": "Text",
            "LogGroup": f"/aws/lambda/{config.function_name}",
        },
    }
    if config.environment or config.environment_set:
        body["Environment"] = {"Variables": dict(config.environment)}
    for member, value in config.echoed_dict().items():
        if member == "Layers":
            if not value:
                continue  # all removed: AWS leaves the member out
            body["Layers"] = [
                item if isinstance(item, dict) else {"Arn": item, "CodeSize": 0} for item in value
            ]
        elif member == "SnapStart":
            body["SnapStart"] = {**value, "OptimizationStatus": "Off"}
        elif member == "LoggingConfig":
            body["LoggingConfig"] = logging_config(config.function_name, value)
        elif member == "VpcConfig":
            body["VpcConfig"] = {**value, "VpcId": value.get("VpcId", "")}
        else:
            body[member] = value
    if "CapacityProviderConfig" in body:  # Managed Instances log in JSON only, as AWS shows
        given = dict(config.echoed_dict().get("LoggingConfig") or {})
        body["LoggingConfig"] = logging_config(config.function_name, {**given, "LogFormat": "JSON"})
    if full:
        body["RuntimeVersionConfig"] = {
            "RuntimeVersionArn": runtime_version_arn(arns, config.runtime)
        }
        if transition == "create" or now < config.ready_at:
            # A function being created has no LastUpdateStatus yet, as on AWS.
            body["State"] = "Pending"
            body["StateReason"] = CREATING_REASON
            body["StateReasonCode"] = "Creating"
        elif transition == "update" or now < config.update_done_at:
            # AWS gives this reason and code ("Creating", which botocore's model lacks).
            body["State"] = "Active"
            body["LastUpdateStatus"] = "InProgress"
            body["LastUpdateStatusReason"] = CREATING_REASON
            body["LastUpdateStatusReasonCode"] = "Creating"
        else:
            body["State"] = "Active"
            body["LastUpdateStatus"] = "Successful"
    return body


def logging_config(function_name: str, given: dict[str, Any]) -> dict[str, Any]:
    """LoggingConfig as AWS shows it: its defaults, then what was given; JSON logs have log
    levels (INFO unless given), Text logs none."""
    shown: dict[str, Any] = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function_name}"}
    shown.update(given)
    if shown["LogFormat"] == "JSON":
        shown.setdefault("ApplicationLogLevel", "INFO")
        shown.setdefault("SystemLogLevel", "INFO")
    else:
        shown.pop("ApplicationLogLevel", None)
        shown.pop("SystemLogLevel", None)
    return shown


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
