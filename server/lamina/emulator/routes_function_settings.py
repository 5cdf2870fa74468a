"""Per-function settings that Lambda stores and Lamina keeps as AWS shows them:
Put/GetFunctionRecursionConfig, Put/GetRuntimeManagementConfig and Put/GetFunctionScalingConfig
(Lambda Managed Instances' minimum and maximum environments: for a function attached to a
capacity provider, the pool starts the minimum ahead and starts no more than the maximum).

Lamina runs every function on the Python it finds for its runtime, so a runtime management
config changes no behaviour here; a recursion config is kept, and `Terminate` is AWS's default.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from lamina.emulator.api import Emulator, api, json_response, read_json, required_string, string
from lamina.emulator.errors import LambdaError, invalid
from lamina.emulator.lookup import find_function, find_unqualified, version_config
from lamina.emulator.model import LATEST, VersionConfig
from lamina.emulator.shapes import runtime_version_arn

routes = web.RouteTableDef()
RECURSION = "/2024-08-31/functions/{FunctionName}/recursion-config"
RUNTIME = "/2021-07-20/functions/{FunctionName}/runtime-management-config"


@routes.put(RECURSION)
@api
async def put_function_recursion_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "PutFunctionRecursionConfig")
    loop = required_string(body, "RecursiveLoop")
    async with emu.store.lock:
        state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
        await emu.store.save(state.evolve(recursive_loop=loop))
    return json_response({"RecursiveLoop": loop})


@routes.get(RECURSION)
@api
async def get_function_recursion_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
    return json_response({"RecursiveLoop": state.recursive_loop})


@routes.put(RUNTIME)
@api
async def put_runtime_management_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "PutRuntimeManagementConfig")
    mode = required_string(body, "UpdateRuntimeOn")
    version_arn = string(body, "RuntimeVersionArn") or ""
    if mode == "Manual" and not version_arn:
        raise invalid("RuntimeVersionArn is required when UpdateRuntimeOn is Manual.")
    if mode != "Manual" and version_arn:
        raise invalid("RuntimeVersionArn is only allowed when UpdateRuntimeOn is Manual.")
    async with emu.store.lock:
        state, qualifier = find_function(
            emu.store, emu.arns, request.match_info["FunctionName"], request.query.get("Qualifier")
        )
        version_config(state, emu.arns, qualifier)  # 404 for an unknown version
        key = qualifier or LATEST
        settings = {**state.runtime_management, key: (mode, version_arn)}
        await emu.store.save(state.evolve(runtime_management=settings))
    result = {"UpdateRuntimeOn": mode, "FunctionArn": emu.arns.function(state.name, qualifier)}
    if version_arn:
        result["RuntimeVersionArn"] = version_arn
    return json_response(result)


@routes.get(RUNTIME)
@api
async def get_runtime_management_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state, qualifier = find_function(
        emu.store, emu.arns, request.match_info["FunctionName"], request.query.get("Qualifier")
    )
    config = version_config(state, emu.arns, qualifier)
    mode, version_arn = state.runtime_management.get(qualifier or LATEST, ("Auto", ""))
    result = {"UpdateRuntimeOn": mode, "FunctionArn": emu.arns.function(state.name, qualifier)}
    if mode == "Manual":
        result["RuntimeVersionArn"] = version_arn
    else:
        # AWS shows the runtime version the function runs on.
        result["RuntimeVersionArn"] = runtime_version_arn(emu.arns, config.runtime)
    return json_response(result)


log = logging.getLogger(__name__)

SCALING = "/2025-11-30/functions/{FunctionName}/function-scaling-config"


@routes.put(SCALING)
@api
async def put_function_scaling_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "PutFunctionScalingConfig")
    given = body.get("FunctionScalingConfig") or {}
    scaling = {k: int(v) for k, v in given.items() if isinstance(v, int)}
    low, high = scaling.get("MinExecutionEnvironments"), scaling.get("MaxExecutionEnvironments")
    if low is not None and high is not None and low > high:
        raise invalid("MinExecutionEnvironments must not be greater than MaxExecutionEnvironments.")
    async with emu.store.lock:
        state, qualifier = find_function(
            emu.store, emu.arns, request.match_info["FunctionName"], request.query.get("Qualifier")
        )
        config = version_config(state, emu.arns, qualifier)  # 404 for an unknown one
        settings = {**state.scaling, qualifier or LATEST: scaling}
        await emu.store.save(state.evolve(scaling=settings))
    await _scale(emu, config, low, high)
    return json_response({"FunctionState": "Active"}, 202)


_resumed: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak references)


def resume_scaling(emu: Emulator) -> None:
    """After a restart, every stored scaling config acts again (its kept environments started,
    its cap on environments set), as provisioned concurrency's do."""
    for state in emu.store.all():
        for qualifier, scaling in state.scaling.items():
            try:
                config = version_config(state, emu.arns, qualifier)
            except LambdaError:  # a version or alias deleted since: nothing to scale
                continue
            low = scaling.get("MinExecutionEnvironments")
            high = scaling.get("MaxExecutionEnvironments")
            task = asyncio.get_running_loop().create_task(_scale(emu, config, low, high))
            _resumed.add(task)
            task.add_done_callback(_resumed_done)


def _resumed_done(task: asyncio.Task[None]) -> None:
    _resumed.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("starting a kept Managed Instances environment failed: %s", task.exception())


async def _scale(emu: Emulator, config: VersionConfig, low: int | None, high: int | None) -> None:
    """A Managed Instances function's environments: at most `high`, `low` of them kept
    initialised (started now, never reaped for being idle). An on-demand function: kept only."""
    runtime = emu.invoker.runtime_config(config)
    if runtime.managed_concurrency is None:
        return
    emu.pool.limit_environments(runtime.function_name, runtime.version, high)
    if low:
        if emu.invoker.prepare_layers is not None:
            await emu.invoker.prepare_layers(config)
        await emu.pool.provision(runtime, low)
    else:
        emu.pool.unprovision(runtime.function_name, runtime.version)


@routes.get(SCALING)
@api
async def get_function_scaling_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state, qualifier = find_function(
        emu.store, emu.arns, request.match_info["FunctionName"], request.query.get("Qualifier")
    )
    version_config(state, emu.arns, qualifier)
    result: dict[str, object] = {"FunctionArn": emu.arns.function(state.name, qualifier)}
    scaling = state.scaling.get(qualifier or LATEST)
    if scaling is not None:
        # Applied at once: there are no instances to scale here.
        result["AppliedFunctionScalingConfig"] = dict(scaling)
        result["RequestedFunctionScalingConfig"] = dict(scaling)
    return json_response(result)
