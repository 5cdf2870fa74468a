"""Code signing: Create/Get/Update/Delete/ListCodeSigningConfigs,
Put/Get/DeleteFunctionCodeSigningConfig and ListFunctionsByCodeSigningConfig, over
code_signing.py (parsing and shaping only)."""

from __future__ import annotations

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
from lamina.emulator.code_signing import CodeSigningConfigs, missing_for_function
from lamina.emulator.errors import LambdaError
from lamina.emulator.lookup import find_unqualified

routes = web.RouteTableDef()
CONFIGS = "/2020-04-22/code-signing-configs"
FUNCTION = "/2020-06-30/functions/{FunctionName}/code-signing-config"


def configs(emu: Emulator) -> CodeSigningConfigs:
    if emu.code_signing is None:
        raise LambdaError("ServiceException", "code signing is not set up in this emulator")
    return emu.code_signing


def _publishers(body: dict[str, Any], required: bool) -> list[str] | None:
    publishers = body.get("AllowedPublishers")
    if publishers is None:
        if required:
            raise LambdaError("InvalidParameterValueException", "AllowedPublishers is required")
        return None
    arns = publishers.get("SigningProfileVersionArns") if isinstance(publishers, dict) else None
    if not isinstance(arns, list) or not all(isinstance(a, str) for a in arns):
        raise LambdaError(
            "InvalidRequestContentException",
            "AllowedPublishers.SigningProfileVersionArns must be a list of strings",
        )
    return arns


def _policy(body: dict[str, Any]) -> str | None:
    policies = body.get("CodeSigningPolicies")
    if isinstance(policies, dict):
        value = policies.get("UntrustedArtifactOnDeployment")
        return value if isinstance(value, str) else None
    return None


@routes.post(CONFIGS)
@routes.post(CONFIGS + "/")
@api
async def create_code_signing_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "CreateCodeSigningConfig")
    profiles = _publishers(body, required=True) or []
    config = await configs(emu).create(profiles, _policy(body), string(body, "Description"))
    return json_response({"CodeSigningConfig": config.to_api()}, 201)


@routes.get(CONFIGS)
@routes.get(CONFIGS + "/")
@api
async def list_code_signing_configs(request: web.Request, emu: Emulator) -> web.StreamResponse:
    items = [(c.arn, c.to_api()) for c in configs(emu).all()]
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"CodeSigningConfigs": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)


@routes.get(CONFIGS + "/{CodeSigningConfigArn}")
@api
async def get_code_signing_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    config = configs(emu).get(request.match_info["CodeSigningConfigArn"])
    return json_response({"CodeSigningConfig": config.to_api()})


@routes.put(CONFIGS + "/{CodeSigningConfigArn}")
@api
async def update_code_signing_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "UpdateCodeSigningConfig")
    config = await configs(emu).update(
        request.match_info["CodeSigningConfigArn"],
        _publishers(body, required=False),
        _policy(body),
        string(body, "Description"),
    )
    return json_response({"CodeSigningConfig": config.to_api()})


@routes.delete(CONFIGS + "/{CodeSigningConfigArn}")
@api
async def delete_code_signing_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    arn = request.match_info["CodeSigningConfigArn"]
    store = configs(emu)
    store.get(arn)
    if any(state.code_signing_config_arn == arn for state in emu.store.all()):
        raise LambdaError(
            "ResourceConflictException",
            f"The code signing configuration {arn} is attached to functions; detach it first.",
        )
    await store.delete(arn)
    return empty_response(204)


@routes.get(CONFIGS + "/{CodeSigningConfigArn}/functions")
@api
async def list_functions_by_code_signing_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    arn = request.match_info["CodeSigningConfigArn"]
    configs(emu).get(arn)
    items = [
        (state.name, emu.arns.function(state.name))
        for state in emu.store.all()
        if state.code_signing_config_arn == arn
    ]
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"FunctionArns": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)


@routes.put(FUNCTION)
@api
async def put_function_code_signing_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    body = await read_json(request, "PutFunctionCodeSigningConfig")
    arn = required_string(body, "CodeSigningConfigArn")
    if configs(emu).find(arn) is None:
        raise missing_for_function(arn)  # checked before the function, as AWS does
    async with emu.store.lock:
        state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
        await emu.store.save(state.evolve(code_signing_config_arn=arn))
    return json_response({"CodeSigningConfigArn": arn, "FunctionName": state.name})


@routes.get(FUNCTION)
@api
async def get_function_code_signing_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
    if state.code_signing_config_arn is None:
        return json_response({})  # AWS answers an empty object
    return json_response(
        {"CodeSigningConfigArn": state.code_signing_config_arn, "FunctionName": state.name}
    )


@routes.delete(FUNCTION)
@api
async def delete_function_code_signing_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    async with emu.store.lock:
        state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
        if state.code_signing_config_arn is not None:
            await emu.store.save(state.evolve(code_signing_config_arn=None))
    return empty_response(204)
