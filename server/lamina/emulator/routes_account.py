"""Tags (TagResource, UntagResource, ListTags) and GetAccountSettings."""

from __future__ import annotations

import dataclasses
import time

from aiohttp import web

from lamina.emulator.api import Emulator, api, empty_response, json_response, read_json, string_map
from lamina.emulator.errors import LambdaError, function_not_found, invalid, not_found
from lamina.emulator.model import FunctionState, new_revision_id
from lamina.emulator.names import parse_function_arn
from lamina.emulator.routes_permissions import ACCOUNT_CONCURRENCY
from lamina.zip_archive.limits import MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES

routes = web.RouteTableDef()
TAGS = "/2017-03-31/tags/{Resource}"
TOTAL_CODE_SIZE = 80 * 1024 * 1024 * 1024  # 75 GB, Lambda's default quota
MAX_TAGS = 50


def _kind_and_id(resource: str) -> tuple[str, str]:
    """('function' | 'event-source-mapping' | 'capacity-provider' | ..., the rest) of a
    resource ARN that passed the model's pattern."""
    parts = resource.split(":", 6)
    return (parts[5], parts[6]) if len(parts) == 7 else ("", "")


async def _tags_of(emu: Emulator, resource: str) -> dict[str, str]:
    """The tags of a taggable resource, or AWS's error for it."""
    kind, rest = _kind_and_id(resource)
    if kind == "event-source-mapping":
        mapping = emu.mappings.get(rest) if emu.mappings is not None else None
        if mapping is None:
            raise not_found(f"Event source mapping not found: {resource}")
        return dict(mapping.tags)
    if kind == "capacity-provider":
        if emu.capacity_providers is None:
            raise not_found(f"Capacity provider not found: {resource}")
        return dict(emu.capacity_providers.get(rest).tags)
    return dict(tagged_function(emu, resource).tags)


async def _set_tags(emu: Emulator, resource: str, tags: dict[str, str]) -> None:
    kind, rest = _kind_and_id(resource)
    if kind == "event-source-mapping" and emu.mappings is not None:
        await emu.mappings.set_tags(rest, tags)
        return
    if kind == "capacity-provider" and emu.capacity_providers is not None:
        await emu.capacity_providers.set_tags(rest, tags)
        return
    state = tagged_function(emu, resource)
    # Tagging a function gives it a new RevisionId, as on AWS.
    latest = state.latest
    if latest.in_transition(time.time()):
        latest = dataclasses.replace(latest, settled_revision_id=new_revision_id())
    else:
        latest = dataclasses.replace(latest, revision_id=new_revision_id(), settled_revision_id="")
    await emu.store.save(state.evolve(tags=tags, latest=latest))


def too_many_tags() -> LambdaError:
    return invalid("Number of tags exceeds resource tag limit.")


def tagged_function(emu: Emulator, resource: str) -> FunctionState:
    name, qualifier = parse_function_arn(resource)
    if qualifier is not None:
        raise invalid(
            "Tags on function aliases and versions are not supported. Please specify a "
            "function ARN."
        )
    state = emu.store.get(name)
    if state is None:
        raise function_not_found(emu.arns.function(name))
    return state


@routes.post(TAGS)
@api
async def tag_resource(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "TagResource")
    tags = string_map(body, "Tags")
    if not tags:  # AWS's (unhelpful) words for an empty Tags
        raise invalid("An error occurred and the request cannot be processed.")
    resource = request.match_info["Resource"]
    async with emu.store.lock:
        merged = {**await _tags_of(emu, resource), **tags}
        if len(merged) > MAX_TAGS:
            raise too_many_tags()
        await _set_tags(emu, resource, merged)
    return empty_response(204)


@routes.delete(TAGS)
@api
async def untag_resource(request: web.Request, emu: Emulator) -> web.StreamResponse:
    keys = set(request.query.getall("tagKeys", []))
    resource = request.match_info["Resource"]
    async with emu.store.lock:
        current = await _tags_of(emu, resource)
        await _set_tags(emu, resource, {k: v for k, v in current.items() if k not in keys})
    return empty_response(204)


@routes.get(TAGS)
@api
async def list_tags(request: web.Request, emu: Emulator) -> web.StreamResponse:
    return json_response({"Tags": await _tags_of(emu, request.match_info["Resource"])})


@routes.get("/2016-08-19/account-settings")
@api
async def get_account_settings(request: web.Request, emu: Emulator) -> web.StreamResponse:
    functions = emu.store.all()
    reserved = sum(s.reserved_concurrency or 0 for s in functions)
    code_size = sum(
        config.code_size for s in functions for config in (s.latest, *s.versions.values())
    )
    if emu.layers is not None:  # AWS counts layers in TotalCodeSize too
        code_size += emu.layers.total_code_size()
    return json_response(
        {
            "AccountLimit": {
                "TotalCodeSize": TOTAL_CODE_SIZE,
                "CodeSizeUnzipped": MAX_UNZIPPED_BYTES,
                "CodeSizeZipped": MAX_ZIPPED_BYTES,
                "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved,
            },
            "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(functions)},
        }
    )
