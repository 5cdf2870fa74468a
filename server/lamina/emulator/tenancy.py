"""Tenant isolation (CreateFunction's TenancyConfig, `TenantIsolationMode: PER_TENANT`): which
functions are isolated, and the tenant id an invoke must carry (X-Amz-Tenant-Id). The runtime
pool keys environments per tenant (FunctionConfig.tenant_id), so two tenants never share one.

It also refuses what AWS's docs say tenancy doesn't combine with: provisioned concurrency,
function URLs, event source mappings and SnapStart.

AWS's exact messages for a missing or unexpected tenant id, and for those refusals, are not in
the recordings; the codes and wording here are Lamina's choice (docs/emulator.md says so)."""

from __future__ import annotations

import re

from lamina.emulator.errors import LambdaError, validation
from lamina.emulator.model import VersionConfig

TENANT_HEADER = "X-Amz-Tenant-Id"
_PATTERN = r"[a-zA-Z0-9\._:\/=+\-@ ]+"  # botocore's TenantId: 1 to 256 of these
_VALID = re.compile(_PATTERN)


def tenant_isolated(config: VersionConfig) -> bool:
    """Created with a TenancyConfig (PER_TENANT is its only mode)."""
    return bool(config.echoed) and any(member == "TenancyConfig" for member, _ in config.echoed)


def refuse_isolated(config: VersionConfig, feature: str) -> None:
    """AWS's refusal of `feature` (provisioned concurrency, a function URL, an event source
    mapping) on a function created with tenant isolation."""
    if tenant_isolated(config):
        raise LambdaError(
            "InvalidParameterValueException",
            f"{feature} is not supported for functions with tenant isolation mode enabled.",
        )


def refuse_snapstart(config: VersionConfig) -> None:
    """CreateFunction/UpdateFunctionConfiguration: SnapStart (ApplyOn other than None) on an
    isolated function is refused."""
    snapstart = config.echoed_dict().get("SnapStart")
    if isinstance(snapstart, dict) and snapstart.get("ApplyOn", "None") != "None":
        refuse_isolated(config, "SnapStart")


def invoke_tenant(config: VersionConfig, tenant_id: str | None) -> str | None:
    """The tenant an invoke runs for: required by an isolated function, refused by others."""
    return checked_tenant(tenant_isolated(config), tenant_id)


def checked_tenant(isolated: bool, tenant_id: str | None) -> str | None:
    """invoke_tenant for a function known to be isolated or not (`lamina invoke` reads that
    from the template's TenancyConfig)."""
    if tenant_id is not None:
        if len(tenant_id) > 256:
            raise validation(
                tenant_id, "tenantId", "Member must have length less than or equal to 256"
            )
        if tenant_id and not _VALID.fullmatch(tenant_id):
            raise validation(
                tenant_id, "tenantId", f"Member must satisfy regular expression pattern: {_PATTERN}"
            )
    if isolated:
        if not tenant_id:
            raise LambdaError(
                "InvalidParameterValueException",
                "The invoked function is enabled with tenancy configuration. "
                "Add a valid tenant ID in your request and try again.",
            )
        return tenant_id
    if tenant_id:
        raise LambdaError(
            "InvalidParameterValueException",
            "The invoked function is not enabled with tenancy configuration. "
            "Remove the tenant ID from your request and try again.",
        )
    return None
