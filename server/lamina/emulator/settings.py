"""A function's settings from CreateFunction and UpdateFunctionConfiguration bodies, checked
as Lambda checks them, and its code from a ZipFile (S3 and images are refused)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from lamina.emulator.api import integer, required_string, string
from lamina.emulator.errors import LambdaError, entity_too_large, invalid, validation
from lamina.emulator.model import ECHOED_MEMBERS
from lamina.zip_archive.limits import MAX_ZIPPED_BYTES

ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
_ROLE = re.compile(f"^{ROLE_PATTERN}$")
_PYTHON_RUNTIME = re.compile(r"^python3\.\d{1,2}$")
_HANDLER = re.compile(r"^[^\s]{1,128}$")
_ENV_KEY = re.compile(r"^[a-zA-Z]([a-zA-Z0-9_])+$")
MAX_ENVIRONMENT_BYTES = 4096
# Variables Lambda sets itself and refuses to let a function override.
RESERVED_ENV_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
ARCHITECTURES = ("x86_64", "arm64")
# The runtimes AWS accepts for new functions, in the order its error message lists them (as
# recorded in ../shared/recordings); botocore's model also names retired ones.
AWS_RUNTIMES = (
    "nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x",
    "nodejs22.x", "java25", "python3.10", "python3.11", "java21", "ruby3.3", "ruby3.4",
    "ruby3.2", "python3.8", "python3.9", "java17", "nodejs16.x", "dotnet10", "dotnet8",
    "java11", "dotnet6", "nodejs18.x", "provided.al2", "java8.al2",
)  # fmt: skip
# Runtimes AWS no longer lets you create or update functions with (its message, whatever the
# language), so a template pinned to one fails here as it would on deploy.
DEPRECATED_RUNTIMES = frozenset(
    {
        "python2.7", "python3.6", "python3.7",
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
        "nodejs12.x", "nodejs14.x",
        "java8", "go1.x", "provided", "ruby2.5", "ruby2.7",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0",
    }
)  # fmt: skip


def function_settings(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The VersionConfig fields a request sets (only the ones it names, for an update)."""
    out: dict[str, Any] = {}
    runtime = string(body, "Runtime")
    handler = string(body, "Handler")
    if creating:
        if body.get("PackageType", "Zip") != "Zip":
            raise invalid(
                "lamina serve runs .zip deployment packages only; PackageType "
                f"{body.get('PackageType')!r} is not supported"
            )
        if runtime is None or handler is None:
            raise invalid(
                "Runtime and Handler are mandatory parameters for functions created with "
                "deployment packages."
            )
    if runtime is not None:
        if runtime in DEPRECATED_RUNTIMES:
            raise invalid(
                f"The runtime parameter of {runtime} is no longer supported for creating or "
                "updating AWS Lambda functions. We recommend you use a supported runtime while "
                "creating or updating functions."
            )
        if runtime not in AWS_RUNTIMES:
            raise invalid(
                f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy "
                f"enum value set: [{', '.join(AWS_RUNTIMES)}] or be a valid ARN"
            )
        if not _PYTHON_RUNTIME.match(runtime) and not runtime.startswith("provided"):
            raise invalid(
                f"lamina serve runs Python functions and OS-only runtimes (provided.al2023, "
                f"provided.al2: a bootstrap) only; runtime {runtime!r} is not supported"
            )
        out["runtime"] = runtime
    if handler is not None:
        if not _HANDLER.match(handler):
            raise validation(
                handler, "handler", r"Member must satisfy regular expression pattern: [^\s]+"
            )
        out["handler"] = handler
    role = required_string(body, "Role") if creating else string(body, "Role")
    if role is not None:
        if not _ROLE.match(role):
            raise validation(
                role, "role", f"Member must satisfy regular expression pattern: {ROLE_PATTERN}"
            )
        out["role"] = role
    description = string(body, "Description", max_len=256)
    if description is not None:
        out["description"] = description
    timeout = integer(body, "Timeout", 1, 900)
    if timeout is not None:
        out["timeout"] = timeout
    memory = integer(body, "MemorySize", 128, 10240)
    if memory is not None:
        out["memory_size"] = memory
    if "Environment" in body:
        out["environment"] = environment(body["Environment"])
    if "Architectures" in body:
        out["architectures"] = architectures(body["Architectures"])
    if "EphemeralStorage" in body:
        storage = body["EphemeralStorage"]
        size = integer(storage if isinstance(storage, dict) else {}, "Size", 512, 10240)
        if size is None:
            raise validation(None, "ephemeralStorage.size", "Member must not be null")
        out["ephemeral_storage"] = size
    echoed = {key: body[key] for key in ECHOED_MEMBERS if key in body and body[key] is not None}
    if echoed:
        out["echoed"] = echoed
    return out


def merge_echoed(
    current: tuple[tuple[str, str], ...], changes: dict[str, Any]
) -> tuple[tuple[str, str], ...]:
    merged = dict(current)
    for key, value in changes.items():
        if key == "LoggingConfig" and key in merged and isinstance(value, dict):
            value = {**json.loads(merged[key]), **value}  # AWS merges a partial LoggingConfig
        merged[key] = json.dumps(value, sort_keys=True)
    return tuple(sorted(merged.items()))


def environment(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise LambdaError("InvalidRequestContentException", "Environment must be an object")
    variables = value.get("Variables") or {}
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise LambdaError(
            "InvalidRequestContentException", "Environment.Variables must map strings to strings"
        )
    for key in variables:
        if not _ENV_KEY.match(key):
            raise validation(
                key,
                "environment.variables",
                "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+",
            )
    reserved = sorted(set(variables) & RESERVED_ENV_KEYS)
    if reserved:
        raise invalid(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {','.join(reserved)}"
        )
    measured = json.dumps(variables, separators=(",", ":"))
    if len(measured.encode()) > MAX_ENVIRONMENT_BYTES:
        raise invalid(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. "
            f"String measured: {measured}"  # in full, as AWS does
        )
    return tuple(sorted(variables.items()))


def architectures(value: Any) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or len(value) != 1
        or not isinstance(value[0], str)
        or value[0] not in ARCHITECTURES
    ):
        raise validation(
            value,
            "architectures",
            "Member must have length 1 and satisfy enum value set: [x86_64, arm64]",
        )
    return (value[0],)


def zip_from(body: dict[str, Any], operation: str) -> bytes:
    """The ZipFile of a CreateFunction Code or an UpdateFunctionCode body, decoded."""
    if body.get("S3Bucket") or body.get("S3Key"):
        raise invalid(
            "lamina serve takes code as ZipFile only: S3Bucket/S3Key need an S3 endpoint, and "
            "none is configured. Upload the zip directly (up to 50 MB)."
        )
    if body.get("ImageUri"):
        raise invalid("lamina serve runs .zip deployment packages only; ImageUri is not supported")
    encoded = body.get("ZipFile")
    if not isinstance(encoded, str) or not encoded:
        raise invalid("Please provide a source for function code (ZipFile).")
    if len(encoded) > (MAX_ZIPPED_BYTES + 2) // 3 * 4:
        raise zipped_too_large()
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("ZipFile is not valid base64") from None
    if len(data) > MAX_ZIPPED_BYTES:
        raise zipped_too_large()
    return data


def zipped_too_large() -> LambdaError:
    return entity_too_large(f"Zipped size must be smaller than {MAX_ZIPPED_BYTES} bytes")
