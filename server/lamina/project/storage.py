"""A function's storage properties: EphemeralStorage (the size of /tmp) and FileSystemConfigs
(EFS access points mounted at /mnt/...); and the properties that change how a function runs on
Lambda but that local runs don't reproduce, named once at load time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lamina.project.cfn_values import intrinsic_name, to_text
from lamina.project.spec import DEFAULT_EPHEMERAL_MB, FileSystemMount

MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB = 512, 10240


def ephemeral_storage(value: Any, warn: Callable[[str], None]) -> int:
    """EphemeralStorage: {Size: MB}; Lambda's default when absent or out of range (with a word)."""
    if value is None:
        return DEFAULT_EPHEMERAL_MB
    size = value.get("Size") if isinstance(value, Mapping) else None
    try:
        megabytes = int(str(size))
    except ValueError:
        warn(f"EphemeralStorage.Size {to_text(size)} is not a number; using 512 MB")
        return DEFAULT_EPHEMERAL_MB
    if not MIN_EPHEMERAL_MB <= megabytes <= MAX_EPHEMERAL_MB:
        warn(f"EphemeralStorage.Size {megabytes} is outside 512-10240 MB; Lambda refuses it")
    return megabytes


def file_system_mounts(
    raw: Any,
    resolve: Callable[[Any, str], Any],
    warn: Callable[[str], None],
    where: str,
) -> list[FileSystemMount]:
    """FileSystemConfigs: [{Arn, LocalMountPath}]. The access point's id names its local folder:
    the ARN's last part (fsap-...), or the AccessPoint resource's logical id for a !GetAtt/!Ref."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        warn("FileSystemConfigs must be a list; ignored")
        return []
    mounts = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            continue
        arn_value = item.get("Arn")
        path = resolve(item.get("LocalMountPath"), f"{where}.FileSystemConfigs[{index}]")
        if not isinstance(path, str) or not path.startswith("/mnt/") or path.count("/") != 2:
            warn(f"LocalMountPath {to_text(path)} must be /mnt/<name>; mount ignored")
            continue
        name = intrinsic_name(arn_value)
        if name in ("Fn::GetAtt", "Ref") and isinstance(arn_value, Mapping):
            target = arn_value[name]
            access_point = str(target[0] if isinstance(target, list) else target).split(".")[0]
            arn = access_point
        else:
            arn = to_text(resolve(arn_value, f"{where}.FileSystemConfigs[{index}].Arn"))
            access_point = arn.rsplit("/", 1)[-1] or f"mount-{index}"
        mounts.append(FileSystemMount(arn, access_point, path))
    return mounts


# Properties that change how the function behaves on Lambda, which a local run doesn't reproduce.
NOT_REPRODUCED = (
    "Tracing",
    "VpcConfig",
    "DeadLetterQueue",
    "DeadLetterConfig",  # AWS::Lambda::Function's spelling
    "ProvisionedConcurrencyConfig",
    "SnapStart",
    "LoggingConfig",
    "RuntimeManagementConfig",
    "KmsKeyArn",
    "CodeSigningConfigArn",
    # Asynchronous invocation settings (retries, destinations), Lambda's recursion guard and
    # tenant isolation: a local run is one synchronous invocation.
    "EventInvokeConfig",
    "RecursiveLoop",
    "TenancyConfig",
)


# The permissions a function gets on Lambda: locally it runs with the developer's credentials
# (or --assume-role's), so a call these would deny works here and fails on Lambda.
IAM_NOT_ENFORCED = ("Policies", "PermissionsBoundary")
IAM_NOT_ENFORCED_MESSAGE = (
    "not enforced locally: the function runs with your credentials (or --assume-role's), so a "
    "call its role would deny on Lambda works here"
)


def reserved_concurrency(value: Any, warn: Callable[[str], None]) -> int | None:
    """ReservedConcurrentExecutions: honoured by local runs (runtime/pool.py throttles beyond
    it, as Lambda does); a value that isn't a whole number >= 0 is ignored with a word."""
    if value is None:
        return None
    try:
        count = int(str(value))
    except ValueError:
        count = -1
    if count < 0:
        warn(f"ReservedConcurrentExecutions {to_text(value)} is not a whole number >= 0; ignored")
        return None
    return count


def not_reproduced(properties: Mapping[str, Any]) -> str | None:
    """One line naming the function's properties that local runs ignore, or None."""
    ignored = [name for name in NOT_REPRODUCED if properties.get(name) is not None]
    if not ignored:
        return None
    return f"not reproduced locally (the function runs without them): {', '.join(ignored)}"
