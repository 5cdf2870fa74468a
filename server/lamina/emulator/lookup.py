"""Finding a function and the version a qualifier names ($LATEST, a number or an alias)."""

from __future__ import annotations

from lamina.emulator.errors import LambdaError, function_not_found, not_found
from lamina.emulator.model import LATEST, Alias, FunctionState, VersionConfig
from lamina.emulator.names import Arns, foreign_region, is_version_number, parse_function_ref
from lamina.emulator.store import FunctionStore


def find_function(
    store: FunctionStore,
    arns: Arns,
    raw_name: str,
    qualifier: str | None = None,
    *,
    missing_qualifier: str | None = None,
    unqualified_error: bool = False,
) -> tuple[FunctionState, str | None]:
    """The function named by a FunctionName (name or ARN) and its qualifier, or 404. AWS's
    404 names the qualifier given, else `missing_qualifier` (Invoke: $LATEST); DeleteFunction's
    (`unqualified_error`) names the function alone."""
    name, qualifier = parse_function_ref(raw_name, qualifier)
    check_region(arns, raw_name)
    state = store.get(name)
    if state is None:
        shown = None if unqualified_error else qualifier or missing_qualifier
        raise function_not_found(arns.function(name, shown))
    return state, qualifier


def check_region(arns: Arns, raw_name: str) -> None:
    """An ARN from another region is not found, in AWS's words."""
    if raw_name.startswith("arn:"):
        other = foreign_region(raw_name, arns.region)
        if other is not None:
            raise not_found(
                f"Functions from '{other}' are not reachable in this region ('{arns.region}')"
            )


def find_unqualified(
    store: FunctionStore, arns: Arns, raw_name: str, *, missing_qualifier: str | None = None
) -> FunctionState:
    """For operations on the function as a whole (UpdateFunctionCode, PublishVersion...).
    AWS's 404 of some (PutFunctionConcurrency) names `missing_qualifier` ($LATEST)."""
    name, qualifier = parse_function_ref(raw_name, None)
    check_region(arns, raw_name)
    if qualifier is not None:
        raise LambdaError(
            "InvalidParameterValueException",
            "This operation is permitted on Lambda functions only. Aliases and versions do not "
            "support this operation. Please specify either a function name or an unqualified "
            "function ARN.",
        )
    state = store.get(name)
    if state is None:
        raise function_not_found(arns.function(name, missing_qualifier))
    return state


def find_alias(state: FunctionState, arns: Arns, name: str) -> Alias:
    alias = state.aliases.get(name)
    if alias is None:
        raise not_found(f"Cannot find alias arn: {arns.function(state.name, name)}")
    return alias


def version_config(state: FunctionState, arns: Arns, qualifier: str | None) -> VersionConfig:
    """The configuration a qualifier names: $LATEST, a published version, or an alias's
    primary version."""
    if qualifier is None or qualifier == LATEST:
        return state.latest
    if is_version_number(qualifier):
        config = state.versions.get(qualifier)
    else:
        alias = state.aliases.get(qualifier)
        config = None if alias is None else version_by_number(state, alias.function_version)
    if config is None:
        raise function_not_found(arns.function(state.name, qualifier))
    return config


def version_by_number(state: FunctionState, version: str) -> VersionConfig | None:
    return state.latest if version == LATEST else state.versions.get(version)
