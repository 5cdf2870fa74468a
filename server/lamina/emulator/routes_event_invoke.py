"""Asynchronous invocation settings: Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s).

One configuration per qualifier; the unqualified function and `$LATEST` share one (AWS answers
both with the `$LATEST` ARN). The async queue reads them when an event runs.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from aiohttp import web

from lamina.emulator.api import (
    Emulator,
    api,
    empty_response,
    integer,
    json_response,
    paginate,
    read_json,
)
from lamina.emulator.destinations import check_destination
from lamina.emulator.errors import LambdaError, invalid, not_found
from lamina.emulator.lookup import check_region, find_unqualified
from lamina.emulator.model import LATEST, EventInvokeConfig, FunctionState
from lamina.emulator.names import Arns, parse_function_ref

routes = web.RouteTableDef()
PATH = "/2019-09-25/functions/{FunctionName}/event-invoke-config"
_UNSET = object()
NO_FUNCTION = "The function doesn't exist."
# The services AWS takes as asynchronous invocation destinations.
DESTINATION_SERVICES = frozenset({"lambda", "sqs", "sns", "events", "s3"})


def config_json(arns: Arns, name: str, qualifier: str, config: EventInvokeConfig) -> dict[str, Any]:
    body: dict[str, Any] = {
        "LastModified": config.last_modified,
        "FunctionArn": arns.function(name, qualifier),
        "DestinationConfig": {
            "OnSuccess": {"Destination": config.on_success} if config.on_success else {},
            "OnFailure": {"Destination": config.on_failure} if config.on_failure else {},
        },
    }
    if config.max_retries is not None:
        body["MaximumRetryAttempts"] = config.max_retries
    if config.max_age_s is not None:
        body["MaximumEventAgeInSeconds"] = config.max_age_s
    return body


def _destination(body: dict[str, Any], which: str) -> object:
    """The destination a request sets: an ARN, None to clear it, or _UNSET."""
    config = body.get("DestinationConfig")
    if config is None:
        return _UNSET
    if not isinstance(config, dict):
        raise LambdaError("InvalidRequestContentException", "DestinationConfig must be an object")
    if which not in config:
        return _UNSET
    target = config[which]
    if target is None:
        return None
    if not isinstance(target, dict):
        raise LambdaError("InvalidRequestContentException", f"{which} must be an object")
    arn = target.get("Destination")
    return None if not arn else check_destination(arn, which)


def apply(current: EventInvokeConfig, body: dict[str, Any]) -> EventInvokeConfig:
    retries = integer(body, "MaximumRetryAttempts", 0, 2)
    age = integer(body, "MaximumEventAgeInSeconds", 60, 21600)
    changes: dict[str, Any] = {"last_modified": round(time.time(), 3)}
    if retries is not None:
        changes["max_retries"] = retries
    if age is not None:
        changes["max_age_s"] = age
    for member, field in (("OnSuccess", "on_success"), ("OnFailure", "on_failure")):
        value = _destination(body, member)
        if value is not _UNSET:
            changes[field] = value
    return dataclasses.replace(current, **changes)


def _require_setting(body: dict[str, Any]) -> None:
    """AWS checks this before it looks for the function."""
    members = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
    if all(body.get(member) is None for member in members):
        raise invalid("You must specify at least one of error handling or destination setting.")


def _java(config: dict[str, Any]) -> str:
    """A DestinationConfig as AWS's message prints it (a Java toString)."""

    def one(member: str) -> str:
        target = config.get(member)
        if not isinstance(target, dict):
            return "null"
        return f"{member}(destination={target.get('Destination') or 'null'})"

    return f"DestinationConfig(onSuccess={one('OnSuccess')}, onFailure={one('OnFailure')})"


def _check_destinations(emu: Emulator, state: FunctionState, body: dict[str, Any]) -> None:
    """What AWS refuses before Lamina's own check (check_destination): a service that can't be
    a destination, the function itself, a function that doesn't exist (recorded words)."""
    config = body.get("DestinationConfig")
    if not isinstance(config, dict):
        return
    for member in ("OnSuccess", "OnFailure"):
        target = config.get(member)
        arn = target.get("Destination") if isinstance(target, dict) else None
        if not isinstance(arn, str) or not arn.startswith("arn:"):
            continue
        service = arn.split(":")[2] if arn.count(":") >= 2 else ""
        if service not in DESTINATION_SERVICES:
            raise invalid(f"The provided destination config {_java(config)} is invalid.")
        if service == "lambda":
            name, _ = parse_function_ref(arn)
            if name == state.name:
                raise invalid("You can't specify the function as a destination for itself.")
            if emu.store.get(name) is None:
                raise invalid(f"The destination ARN {arn} is invalid.")


def _target(emu: Emulator, request: web.Request) -> tuple[FunctionState, str]:
    """The function and qualifier of Put/Update; a missing one is AWS's 404 for them."""
    raw = request.match_info["FunctionName"]
    name, qualifier = parse_function_ref(raw, request.query.get("Qualifier"))
    check_region(emu.arns, raw)
    state = emu.store.get(name)
    if state is None:
        raise not_found(NO_FUNCTION)
    qualifier = qualifier or LATEST
    if qualifier != LATEST and qualifier not in state.versions and qualifier not in state.aliases:
        raise not_found(NO_FUNCTION)
    return state, qualifier


def _missing(emu: Emulator, name: str, qualifier: str) -> LambdaError:
    return not_found(
        f"The function {emu.arns.function(name, qualifier)} doesn't have an EventInvokeConfig"
    )


async def _save(emu: Emulator, request: web.Request, replace: bool) -> web.StreamResponse:
    body = await read_json(request, "PutFunctionEventInvokeConfig")
    _require_setting(body)
    async with emu.store.lock:
        state, qualifier = _target(emu, request)
        _check_destinations(emu, state, body)
        current = state.event_invoke.get(qualifier)
        if current is None and not replace:
            raise _missing(emu, state.name, qualifier)
        config = apply(EventInvokeConfig() if replace or current is None else current, body)
        await emu.store.save(state.evolve(event_invoke={**state.event_invoke, qualifier: config}))
    return json_response(config_json(emu.arns, state.name, qualifier, config))


@routes.put(PATH)
@api
async def put_function_event_invoke_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    return await _save(emu, request, replace=True)


@routes.post(PATH)
@api
async def update_function_event_invoke_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    return await _save(emu, request, replace=False)


@routes.get(PATH)
@api
async def get_function_event_invoke_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    # AWS answers that the config is missing even when the function or version is.
    name, qualifier = parse_function_ref(
        request.match_info["FunctionName"], request.query.get("Qualifier")
    )
    check_region(emu.arns, request.match_info["FunctionName"])
    qualifier = qualifier or LATEST
    state = emu.store.get(name)
    config = None if state is None else state.event_invoke.get(qualifier)
    if state is None or config is None:
        raise _missing(emu, name, qualifier)
    return json_response(config_json(emu.arns, state.name, qualifier, config))


@routes.delete(PATH)
@api
async def delete_function_event_invoke_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    name, qualifier = parse_function_ref(
        request.match_info["FunctionName"], request.query.get("Qualifier")
    )
    check_region(emu.arns, request.match_info["FunctionName"])
    qualifier = qualifier or LATEST
    async with emu.store.lock:
        state = emu.store.get(name)
        # As Get, AWS answers that the config is missing even when the function is.
        if state is None or qualifier not in state.event_invoke:
            raise _missing(emu, name, qualifier)
        configs = {q: c for q, c in state.event_invoke.items() if q != qualifier}
        await emu.store.save(state.evolve(event_invoke=configs))
    return empty_response(204)


@routes.get(PATH + "/list")
@api
async def list_function_event_invoke_configs(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    raw = request.match_info["FunctionName"]
    name, qualifier = parse_function_ref(raw)
    if qualifier is None and emu.store.get(name) is None:
        check_region(emu.arns, raw)
        raise not_found(NO_FUNCTION)
    state = find_unqualified(emu.store, emu.arns, raw)
    items: list[tuple[str, Any]] = [
        (qualifier, config_json(emu.arns, state.name, qualifier, config))
        for qualifier, config in sorted(state.event_invoke.items())
    ]
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"FunctionEventInvokeConfigs": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)
