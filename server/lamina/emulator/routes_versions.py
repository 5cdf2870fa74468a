"""Versions and aliases: PublishVersion, ListVersionsByFunction, Create/Get/Update/Delete/
ListAliases (with weighted routing configs)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from aiohttp import web

from lamina.emulator.api import (
    Emulator,
    api,
    empty_response,
    json_response,
    paginate,
    read_json,
    required_string,
    string,
)
from lamina.emulator.errors import (
    LambdaError,
    conflict,
    function_not_found,
    invalid,
    not_found,
    revision_mismatch,
    update_in_progress,
)
from lamina.emulator.lookup import find_alias, find_unqualified, version_by_number
from lamina.emulator.model import LATEST, Alias, FunctionState, new_revision_id
from lamina.emulator.names import Arns, check_alias_name, is_version_number, parse_function_ref
from lamina.emulator.routes_functions import PREFIX, check_revision, publish
from lamina.emulator.shapes import alias_configuration, function_configuration, is_updating

routes = web.RouteTableDef()


@routes.post(PREFIX + "/{FunctionName}/versions")
@api
async def publish_version(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "PublishVersion")
    code_sha = string(body, "CodeSha256")
    description = string(body, "Description", max_len=256)
    revision = string(body, "RevisionId")
    async with emu.store.lock:
        state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
        latest = state.latest
        now = time.time()
        if is_updating(latest, now):
            raise update_in_progress(emu.arns.function(state.name))
        check_revision(latest.current_revision(now), revision)
        if code_sha is not None and code_sha != latest.code_sha256:
            raise invalid(
                f"CodeSHA256 ({code_sha}) is different from current CodeSHA256 in $LATEST "
                f"({latest.code_sha256}). Please try again with the CodeSHA256 in $LATEST."
            )
        new_state, version, created = publish(state, description, now)
        if created:
            await emu.store.save(new_state, [version])
    return json_response(function_configuration(emu.arns, version, version.version), 201)


@routes.get(PREFIX + "/{FunctionName}/versions")
@api
async def list_versions_by_function(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
    now = time.time()
    configs = [state.latest] + [state.versions[v] for v in sorted(state.versions, key=int)]
    items: list[tuple[str, Any]] = [
        (
            "0" * 10 if c.version == LATEST else c.version.rjust(10, "0"),
            function_configuration(emu.arns, c, c.version, full=False, now=now),
        )
        for c in configs
    ]
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"Versions": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)


# --- aliases --------------------------------------------------------------------------------------


def routing_weights(
    state: FunctionState, arns: Arns, primary: str, body: dict[str, Any]
) -> tuple[tuple[str, float], ...]:
    config = body.get("RoutingConfig")
    if config is None:
        return ()
    if not isinstance(config, dict):
        raise LambdaError("InvalidRequestContentException", "RoutingConfig must be an object")
    weights = config.get("AdditionalVersionWeights") or {}
    if not isinstance(weights, dict):
        raise LambdaError(
            "InvalidRequestContentException", "AdditionalVersionWeights must be an object"
        )
    if len(weights) > 1:
        raise invalid("Number of items in AdditionalVersionWeights cannot be greater than 1")
    result = []
    for version, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise LambdaError("InvalidRequestContentException", "A version weight must be a number")
        if not 0.0 <= float(weight) <= 1.0:
            raise invalid(f"Invalid weight {weight} for version {version}: it must be 0.0 to 1.0")
        if primary == LATEST:
            raise LambdaError(
                "InvalidParameterValueException",
                "$LATEST is not supported for an alias pointing to more than 1 version",
                error_type="",  # AWS's answer has no Type here
            )
        if not is_version_number(str(version)):
            raise invalid(f"Invalid function version {version}: routing takes published versions")
        if str(version) == primary:
            raise invalid(
                f"Invalid function version {version}. Function version {version} is already "
                "included in routing configuration."
            )
        if str(version) not in state.versions:
            raise function_not_found(arns.function(state.name, str(version)))
        result.append((str(version), float(weight)))
    return tuple(result)


def check_version(state: FunctionState, emu: Emulator, version: str) -> str:
    if version != LATEST and not is_version_number(version):
        raise invalid(f"FunctionVersion {version!r} must be $LATEST or a version number")
    if version_by_number(state, version) is None:
        raise function_not_found(emu.arns.function(state.name, version))
    return version


@routes.post(PREFIX + "/{FunctionName}/aliases")
@api
async def create_alias(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "CreateAlias")
    name = check_alias_name(required_string(body, "Name"))
    version = required_string(body, "FunctionVersion")
    description = string(body, "Description", max_len=256) or ""
    async with emu.store.lock:
        raw = request.match_info["FunctionName"]
        if emu.store.get(parse_function_ref(raw)[0]) is None:
            # AWS names the version the alias would point at.
            raise function_not_found(emu.arns.function(parse_function_ref(raw)[0], version))
        state = find_unqualified(emu.store, emu.arns, raw)
        check_version(state, emu, version)
        weights = routing_weights(state, emu.arns, version, body)
        if name in state.aliases:
            raise conflict(f"Alias already exists: {emu.arns.function(state.name, name)}")
        alias = Alias(name, version, description, weights)
        await emu.store.save(state.evolve(aliases={**state.aliases, name: alias}))
    return json_response(alias_configuration(emu.arns, state.name, alias), 201)


@routes.get(PREFIX + "/{FunctionName}/aliases/{Name}")
@api
async def get_alias(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
    alias = find_alias(state, emu.arns, request.match_info["Name"])
    return json_response(alias_configuration(emu.arns, state.name, alias))


@routes.put(PREFIX + "/{FunctionName}/aliases/{Name}")
@api
async def update_alias(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "UpdateAlias")
    version = string(body, "FunctionVersion")
    description = string(body, "Description", max_len=256)
    revision = string(body, "RevisionId")
    async with emu.store.lock:
        state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
        alias = state.aliases.get(request.match_info["Name"])
        if alias is None:  # UpdateAlias words it differently from GetAlias
            arn = emu.arns.function(state.name, request.match_info["Name"])
            raise not_found(f"Alias not found: {arn}")
        if revision is not None and revision != alias.revision_id:
            raise revision_mismatch()
        primary = alias.function_version if version is None else check_version(state, emu, version)
        weights = alias.weights
        if "RoutingConfig" in body:
            weights = routing_weights(state, emu.arns, primary, body)
        elif weights and primary == LATEST:
            raise invalid("$LATEST is not supported for an alias pointing to more than 1 version")
        elif any(v == primary for v, _ in weights):
            raise invalid(
                f"Invalid function version {primary}. Function version {primary} is already "
                "included in routing configuration."
            )
        alias = dataclasses.replace(
            alias,
            function_version=primary,
            description=alias.description if description is None else description,
            weights=weights,
            revision_id=new_revision_id(),
        )
        await emu.store.save(state.evolve(aliases={**state.aliases, alias.name: alias}))
    return json_response(alias_configuration(emu.arns, state.name, alias))


@routes.delete(PREFIX + "/{FunctionName}/aliases/{Name}")
@api
async def delete_alias(request: web.Request, emu: Emulator) -> web.StreamResponse:
    async with emu.store.lock:
        state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
        name = request.match_info["Name"]
        if name not in state.aliases:
            return empty_response(204)  # AWS: deleting an alias that is gone succeeds
        aliases = {k: v for k, v in state.aliases.items() if k != name}
        policies = {k: v for k, v in state.policies.items() if k != name}
        configs = {k: v for k, v in state.event_invoke.items() if k != name}
        # Deleting an alias deletes its provisioned concurrency config too, as on AWS.
        provisioned = {k: v for k, v in state.provisioned.items() if k != name}
        await emu.store.save(
            state.evolve(
                aliases=aliases, policies=policies, event_invoke=configs, provisioned=provisioned
            )
        )
    return empty_response(204)


@routes.get(PREFIX + "/{FunctionName}/aliases")
@api
async def list_aliases(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
    version = request.query.get("FunctionVersion")
    items: list[tuple[str, Any]] = [
        (alias.name, alias_configuration(emu.arns, state.name, alias))
        for alias in sorted(state.aliases.values(), key=lambda a: a.name)
        if version is None or alias.function_version == version
    ]
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"Aliases": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)
