"""Layers: PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayers,
ListLayerVersions, DeleteLayerVersion, and the layer version policy operations
(Add/RemoveLayerVersionPermission, GetLayerVersionPolicy), over layers.py."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from lamina.emulator import layer_validation  # noqa: F401 - registers its checks
from lamina.emulator.api import (
    MAX_UPLOAD_REQUEST_BYTES,
    Emulator,
    api,
    empty_response,
    json_response,
    paginate,
    read_json,
    required_string,
    string,
    validate_params,
)
from lamina.emulator.errors import LambdaError, conflict, not_found, revision_mismatch
from lamina.emulator.layers import (
    NOT_FOUND,
    LayerVersion,
    LayerVersions,
    check_version_number,
    missing_version,
    parse_layer_name,
    parse_version_arn,
)
from lamina.emulator.routes_functions import CODE_DOWNLOAD, ingest, release
from lamina.emulator.settings import zip_from

routes = web.RouteTableDef()
LAYERS = "/2018-10-31/layers"
VERSIONS = LAYERS + "/{LayerName}/versions"
VERSION = VERSIONS + "/{VersionNumber}"
POLICY = VERSION + "/policy"


def layers(emu: Emulator) -> LayerVersions:
    found = emu.layers
    if found is None:
        raise LambdaError("ServiceException", "layers are not set up in this emulator")
    return found


def _location(request: web.Request, layer: LayerVersion) -> str:
    return f"{request.scheme}://{request.host}{CODE_DOWNLOAD}/{layer.code_key}.zip"


def _number(request: web.Request) -> int:
    raw = request.match_info["VersionNumber"]
    try:
        return int(raw)
    except ValueError:
        raise LambdaError(
            "InvalidParameterValueException", f"Invalid version number: {raw}"
        ) from None


def _name(request: web.Request) -> str:
    return parse_layer_name(request.match_info["LayerName"])


def _string_list(body: dict[str, Any], key: str) -> tuple[str, ...] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LambdaError("InvalidRequestContentException", f"{key} must be a list of strings")
    return tuple(value)


@routes.post(VERSIONS)
@api
async def publish_layer_version(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "PublishLayerVersion", MAX_UPLOAD_REQUEST_BYTES)
    store = layers(emu)
    content = body.get("Content")
    data = zip_from(content if isinstance(content, dict) else {}, "PublishLayerVersion")
    stored = await ingest(emu, data)
    try:
        layer = await store.publish(
            _name(request),
            stored,
            string(body, "Description") or "",
            string(body, "LicenseInfo"),
            _string_list(body, "CompatibleRuntimes"),
            _string_list(body, "CompatibleArchitectures"),
        )
    finally:
        release(emu, stored)
    return json_response(layer.to_api(_location(request, layer)), 201)


@routes.get(VERSIONS)
@api
async def list_layer_versions(request: web.Request, emu: Emulator) -> web.StreamResponse:
    found = [
        layer
        for layer in layers(emu).versions_of(_name(request))
        if _matches(layer, request.query.get("CompatibleRuntime"), request)
    ]
    # Newest first, as AWS lists them, across pages too (the sort key counts down).
    items = [(f"{10**10 - layer.version:010d}", layer.summary()) for layer in found]
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"LayerVersions": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)


def _matches(layer: LayerVersion, runtime: str | None, request: web.Request) -> bool:
    architecture = request.query.get("CompatibleArchitecture")
    if runtime and runtime not in (layer.compatible_runtimes or ()):
        return False
    return not architecture or architecture in (layer.compatible_architectures or ())


@routes.get(VERSION)
@api
async def get_layer_version(request: web.Request, emu: Emulator) -> web.StreamResponse:
    layer = layers(emu).get(_name(request), _number(request))
    return json_response(layer.to_api(_location(request, layer)))


@routes.delete(VERSION)
@api
async def delete_layer_version(request: web.Request, emu: Emulator) -> web.StreamResponse:
    await layers(emu).delete(_name(request), _number(request))
    return empty_response(204)


@routes.get(LAYERS)
@routes.get(LAYERS + "/")
@api
async def list_layers(request: web.Request, emu: Emulator) -> web.StreamResponse:
    """ListLayers, and GetLayerVersionByArn (the same path, with ?find=LayerVersion)."""
    if request.query.get("find") == "LayerVersion":
        validate_params("GetLayerVersionByArn", request)
        return _get_by_arn(request, layers(emu))
    runtime = request.query.get("CompatibleRuntime")
    items: list[tuple[str, Any]] = []
    store = layers(emu)
    for latest in store.latest_per_layer():
        match = next(
            (v for v in store.versions_of(latest.name) if _matches(v, runtime, request)), None
        )
        if match is not None:
            item = {
                "LayerName": match.name,
                "LayerArn": match.arn,
                "LatestMatchingVersion": match.summary(),
            }
            items.append((match.name, item))
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"Layers": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)


def _get_by_arn(request: web.Request, store: LayerVersions) -> web.StreamResponse:
    arn = request.query.get("Arn", "")
    parsed = parse_version_arn(arn)
    if parsed is None or not arn.startswith(store.prefix):
        raise LambdaError("ResourceNotFoundException", NOT_FOUND)
    _, name, number = parsed
    layer = store.get(name, number)
    return json_response(layer.to_api(_location(request, layer)))


# --- layer version policies -------------------------------------------------------------------


def _policy_target(request: web.Request, store: LayerVersions) -> LayerVersion:
    name, number = _name(request), _number(request)
    check_version_number(number)
    try:
        return store.get(name, number)
    except LambdaError:
        raise missing_version(f"{store.prefix}{name}:{number}") from None


def _principal(principal: str) -> Any:
    if principal == "*":
        return "*"
    return {"AWS": f"arn:aws:iam::{principal}:root"}  # an account id, as AWS shows it


@routes.post(POLICY)
@api
async def add_layer_version_permission(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "AddLayerVersionPermission")
    store = layers(emu)
    sid = required_string(body, "StatementId")
    async with emu.store.lock:
        layer = _policy_target(request, store)
        statements = [json.loads(s) for s in layer.policy]
        if any(s.get("Sid") == sid for s in statements):
            raise conflict(
                f"The statement id ({sid}) provided already exists. Please provide a new "
                "statement id, or remove the existing statement."
            )
        revision = request.query.get("RevisionId")
        if revision is not None and revision != layer.policy_revision:
            raise revision_mismatch("GetLayerPolicy")
        statement: dict[str, Any] = {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": _principal(required_string(body, "Principal")),
            "Action": required_string(body, "Action"),
            "Resource": layer.version_arn,
        }
        organization = string(body, "OrganizationId")
        if organization:
            statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization}}
        text = json.dumps(statement)
        updated = await store.set_policy(layer, [*layer.policy, text])
    return json_response({"Statement": text, "RevisionId": updated.policy_revision}, 201)


@routes.get(POLICY)
@api
async def get_layer_version_policy(request: web.Request, emu: Emulator) -> web.StreamResponse:
    layer = _policy_target(request, layers(emu))
    if not layer.policy:
        raise not_found("No policy is associated with the given resource.")
    document = {
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": [json.loads(s) for s in layer.policy],
    }
    return json_response({"Policy": json.dumps(document), "RevisionId": layer.policy_revision})


@routes.delete(POLICY + "/{StatementId}")
@api
async def remove_layer_version_permission(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    store = layers(emu)
    sid = request.match_info["StatementId"]
    async with emu.store.lock:
        layer = _policy_target(request, store)
        kept = [s for s in layer.policy if json.loads(s).get("Sid") != sid]
        if len(kept) == len(layer.policy):
            raise not_found(f"Statement {sid} is not found in resource policy.")
        revision = request.query.get("RevisionId")
        if revision is not None and revision != layer.policy_revision:
            raise revision_mismatch("GetLayerPolicy")
        await store.set_policy(layer, kept)
    return empty_response(204)
