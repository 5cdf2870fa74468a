"""Event source mappings: Create/Get/List/Update/DeleteEventSourceMapping (SQS queues)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from aiohttp import web

from lamina.emulator.api import (
    Emulator,
    api,
    json_response,
    paginate,
    read_json,
    string,
    string_map,
)
from lamina.emulator.errors import LambdaError, conflict, invalid, not_found, validation
from lamina.emulator.esm_model import (
    DELETING,
    DISABLED,
    TRANSITIONS,
    EventSourceMapping,
    MappingFilter,
    check_source_arn,
    new_uuid,
    settings,
    update_state,
)
from lamina.emulator.event_sources import EventSourceMappings
from lamina.emulator.lookup import find_function, version_config
from lamina.emulator.names import parse_function_ref
from lamina.emulator.routes_functions import MAX_TAGS
from lamina.emulator.tenancy import refuse_isolated

routes = web.RouteTableDef()
PATH = "/2015-03-31/event-source-mappings"


def mappings_of(emu: Emulator) -> EventSourceMappings:
    assert emu.mappings is not None, "the emulator runs without event source mappings"
    return emu.mappings


def _function(emu: Emulator, raw: str) -> tuple[str, str | None]:
    state, qualifier = find_function(emu.store, emu.arns, raw)
    version_config(state, emu.arns, qualifier)  # 404 for an unknown version or alias
    refuse_isolated(state.latest, "Event source mapping")
    return state.name, qualifier


def _find(emu: Emulator, uuid: str) -> EventSourceMapping:
    mapping = mappings_of(emu).get(uuid)
    if mapping is None:
        raise not_found("The resource you requested does not exist.")
    return mapping


def _duplicate(emu: Emulator, mapping: EventSourceMapping) -> None:
    for other in mappings_of(emu).all():
        if other.uuid == mapping.uuid or other.event_source_arn != mapping.event_source_arn:
            continue
        if (other.function_name, other.qualifier) != (mapping.function_name, mapping.qualifier):
            continue
        if mapping.source_kind != "sqs":  # AWS words it differently for streams
            raise conflict(
                f'The event source arn (" {mapping.event_source_arn} ") and function '
                f'(" {mapping.function_name} ") provided mapping already exists. Please update '
                f"or delete the existing mapping with UUID {other.uuid}"
            )
        raise conflict(
            f'An event source mapping with SQS arn (" {mapping.event_source_arn} ") and '
            f'function (" {mapping.function_name} ") already exists. Please update or '
            f"delete the existing mapping with UUID {other.uuid}"
        )


def _create_tags(body: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """CreateEventSourceMapping's Tags, kept as TagResource would (ListTags shows them)."""
    tags = string_map(body, "Tags") or {}
    if len(tags) > MAX_TAGS:
        raise invalid("Number of tags exceeds resource tag limit.")
    return tuple(tags.items())


@routes.post(PATH)
@api
async def create_event_source_mapping(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "CreateEventSourceMapping")
    source = check_source_arn(body.get("EventSourceArn"))
    destinations = body.get("DestinationConfig")
    if isinstance(destinations, dict) and destinations.get("OnSuccess"):
        # Queues take no OnSuccess destination (checked before the function, as AWS does).
        raise invalid(
            "Unsupported DestinationConfig parameter for given event source mapping type."
        )
    raw_function = string(body, "FunctionName", required=True)
    assert raw_function is not None
    mappings = mappings_of(emu)
    async with mappings.lock:
        if emu.store.get(parse_function_ref(raw_function)[0]) is None:
            raise invalid("Function does not exist")  # AWS's answer on create
        name, qualifier = _function(emu, raw_function)
        mapping = EventSourceMapping(new_uuid(), source, name, qualifier)
        mapping = dataclasses.replace(
            mapping,
            **settings(body, mapping),
            last_modified=round(time.time(), 3),
            tags=_create_tags(body),
        )
        if not mapping.enabled:  # AWS answers a mapping created disabled as Disabled at once
            mapping = dataclasses.replace(mapping, state=DISABLED)
        _duplicate(emu, mapping)
        if mappings.probe is not None:
            await mappings.probe(mapping)
        await mappings.put(mapping)
    return json_response(mapping.shape(emu.arns), 202)


@routes.get(PATH + "/{UUID}")
@api
async def get_event_source_mapping(request: web.Request, emu: Emulator) -> web.StreamResponse:
    return json_response(_find(emu, request.match_info["UUID"]).shape(emu.arns))


@routes.put(PATH + "/{UUID}")
@api
async def update_event_source_mapping(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "UpdateEventSourceMapping")
    mappings = mappings_of(emu)
    async with mappings.lock:
        mapping = _find(emu, request.match_info["UUID"])
        if mapping.state in (*TRANSITIONS, DELETING):
            raise LambdaError(
                "ResourceInUseException",
                "Cannot update the event source mapping because it is in use.",
            )
        changes = settings(body, mapping)
        raw_function = string(body, "FunctionName")
        if raw_function is not None:
            changes["function_name"], changes["qualifier"] = _function(emu, raw_function)
        updated = dataclasses.replace(mapping, **changes, last_modified=round(time.time(), 3))
        updated = dataclasses.replace(updated, state=update_state(mapping.enabled, updated.enabled))
        _duplicate(emu, updated)
        await mappings.put(updated)
    return json_response(updated.shape(emu.arns), 202)


@routes.delete(PATH + "/{UUID}")
@api
async def delete_event_source_mapping(request: web.Request, emu: Emulator) -> web.StreamResponse:
    mappings = mappings_of(emu)
    async with mappings.lock:
        mapping = _find(emu, request.match_info["UUID"])
        await mappings.delete(mapping.uuid)
    return json_response(dataclasses.replace(mapping, state=DELETING).shape(emu.arns), 202)


@routes.get(PATH)
@api
async def list_event_source_mappings(request: web.Request, emu: Emulator) -> web.StreamResponse:
    wanted = MappingFilter(source_arn=request.query.get("EventSourceArn") or None)
    raw_function = request.query.get("FunctionName")
    if raw_function:
        if len(raw_function) > 140:
            raise validation(
                raw_function, "functionName", "Member must have length less than or equal to 140"
            )
        wanted.function_name, wanted.qualifier = parse_function_ref(raw_function)
        wanted.matches_any_qualifier = wanted.qualifier is None
    items: list[tuple[str, Any]] = [
        (f"{m.last_modified:020.3f}{m.uuid}", m.shape(emu.arns))
        for m in mappings_of(emu).all()
        if wanted.matches(m)
    ]
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"EventSourceMappings": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)
