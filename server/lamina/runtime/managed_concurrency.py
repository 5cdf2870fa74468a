"""How many invocations one Lambda Managed Instances environment serves at once, from a function's
capacity provider config (the API's and CloudFormation's LambdaManagedInstancesCapacityProviderConfig,
or SAM's flat CapacityProviderConfig: the same two numbers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Python's default PerExecutionEnvironmentMaxConcurrency: 16 per vCPU (AWS's "Python runtime for
# Lambda Managed Instances"); the vCPUs are the memory over ExecutionEnvironmentMemoryGiBPerVCpu
# (2 GiB by default), at least one.
PYTHON_CONCURRENCY_PER_VCPU = 16
DEFAULT_GIB_PER_VCPU = 2.0


def environment_concurrency(settings: Mapping[str, Any], memory_size: int) -> int:
    """PerExecutionEnvironmentMaxConcurrency when it is a whole number >= 1, else Python's
    default for `memory_size` MB."""
    given = settings.get("PerExecutionEnvironmentMaxConcurrency")
    try:
        count = int(str(given))
    except ValueError:
        count = 0
    if count >= 1:
        return count
    try:
        gib_per_vcpu = float(str(settings.get("ExecutionEnvironmentMemoryGiBPerVCpu")))
    except ValueError:
        gib_per_vcpu = DEFAULT_GIB_PER_VCPU
    if not gib_per_vcpu > 0:
        gib_per_vcpu = DEFAULT_GIB_PER_VCPU
    vcpus = max(1, int(memory_size / 1024 / gib_per_vcpu))
    return PYTHON_CONCURRENCY_PER_VCPU * vcpus


def template_concurrency(value: Any, memory_size: int) -> int | None:
    """A template's CapacityProviderConfig (SAM's flat one, or AWS::Lambda::Function's with
    LambdaManagedInstancesCapacityProviderConfig inside): the concurrency; None without one."""
    if not isinstance(value, Mapping):
        return None
    inner = value.get("LambdaManagedInstancesCapacityProviderConfig")
    return environment_concurrency(inner if isinstance(inner, Mapping) else value, memory_size)
