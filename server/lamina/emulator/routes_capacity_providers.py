"""Capacity providers: Create/Get/Update/Delete/ListCapacityProviders and
ListFunctionVersionsByCapacityProvider, over capacity_providers.py (parsing and shaping only).
Functions name their provider in CreateFunction's CapacityProviderConfig (kept as given)."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from lamina.emulator.api import (
    Emulator,
    api,
    json_response,
    paginate,
    read_json,
    required_string,
    string_map,
)
from lamina.emulator.capacity_providers import (
    SETTINGS,
    UPDATABLE,
    CapacityProviders,
    provider_of,
)
from lamina.emulator.errors import LambdaError, conflict

routes = web.RouteTableDef()
PATH = "/2025-11-30/capacity-providers"


def providers(emu: Emulator) -> CapacityProviders:
    if emu.capacity_providers is None:
        raise LambdaError("ServiceException", "capacity providers are not set up here")
    return emu.capacity_providers


@routes.post(PATH)
@routes.post(PATH + "/")
@api
async def create_capacity_provider(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "CreateCapacityProvider")
    name = required_string(body, "CapacityProviderName")
    settings = {key: body[key] for key in SETTINGS if body.get(key) is not None}
    tags = string_map(body, "Tags") or {}
    provider = await providers(emu).create(name, settings, tags, emu.update_delay_s)
    # AWS answers Pending; the provider is Active by the next request (or after --update-delay).
    return json_response({"CapacityProvider": provider.to_api(provider.active_at - 1)}, 202)


@routes.get(PATH)
@routes.get(PATH + "/")
@api
async def list_capacity_providers(request: web.Request, emu: Emulator) -> web.StreamResponse:
    now = time.time()
    wanted = request.query.get("State")
    items = [
        (p.name, p.to_api(now))
        for p in providers(emu).all()
        if wanted is None or p.to_api(now)["State"] == wanted
    ]
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"CapacityProviders": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)


@routes.get(PATH + "/{CapacityProviderName}")
@api
async def get_capacity_provider(request: web.Request, emu: Emulator) -> web.StreamResponse:
    provider = providers(emu).get(request.match_info["CapacityProviderName"])
    return json_response({"CapacityProvider": provider.to_api(time.time())})


@routes.put(PATH + "/{CapacityProviderName}")
@api
async def update_capacity_provider(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "UpdateCapacityProvider")
    changes = {key: body[key] for key in UPDATABLE if body.get(key) is not None}
    provider = await providers(emu).update(request.match_info["CapacityProviderName"], changes)
    return json_response({"CapacityProvider": provider.to_api(time.time())}, 202)


@routes.delete(PATH + "/{CapacityProviderName}")
@api
async def delete_capacity_provider(request: web.Request, emu: Emulator) -> web.StreamResponse:
    store = providers(emu)
    provider = store.get(request.match_info["CapacityProviderName"])
    users = _function_versions(emu, provider.arn)
    if users:
        raise conflict(
            f"The capacity provider {provider.arn} is used by {len(users)} function versions; "
            "delete or update them first."
        )
    await store.delete(provider.name)
    shown = provider.to_api(time.time())
    shown["State"] = "Deleting"  # AWS answers Deleting; the provider is gone by the next request
    return json_response({"CapacityProvider": shown}, 202)


def _function_versions(emu: Emulator, arn: str) -> list[dict[str, str]]:
    found = []
    for state in emu.store.all():
        for config in (state.latest, *state.versions.values()):
            if provider_of(config.echoed_dict().get("CapacityProviderConfig")) == arn:
                found.append(
                    {
                        "FunctionArn": emu.arns.function(state.name, config.version),
                        "State": "Active",
                    }
                )
    return found


@routes.get(PATH + "/{CapacityProviderName}/function-versions")
@api
async def list_function_versions_by_capacity_provider(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    provider = providers(emu).get(request.match_info["CapacityProviderName"])
    items = [(item["FunctionArn"], item) for item in _function_versions(emu, provider.arn)]
    page, marker = paginate(sorted(items), request)
    result: dict[str, Any] = {"CapacityProviderArn": provider.arn, "FunctionVersions": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)
