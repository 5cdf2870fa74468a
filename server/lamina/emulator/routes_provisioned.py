"""Provisioned concurrency: Put/Get/Delete/ListProvisionedConcurrencyConfigs on versions and
aliases, with AWS's answers (recorded): a config starts IN_PROGRESS and is READY once its
environment is started (at the next request, or after --update-delay).

What runs: on Put, the runtime pool starts that many environments of the version ahead
(`RuntimePool.provision`): they see AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency, are
never reaped for being idle, and their invokes report no Init Duration. The config stays
IN_PROGRESS until all of them have run their init, then READY; if an init fails it is FAILED
(StatusReason FUNCTION_ERROR_INIT_FAILURE), as on AWS. Configs are stored before provisioning
starts, so after a crash (kill -9) the restarted emulator provisions them again
(`resume_provisioning`): IN_PROGRESS, then READY.
"""

from __future__ import annotations

import asyncio
import logging
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
    validate_params,
)
from lamina.emulator.errors import LambdaError, conflict, function_not_found, invalid, not_found
from lamina.emulator.model import LATEST, FunctionState, VersionConfig, timestamp
from lamina.emulator.names import is_alias_name, parse_function_ref
from lamina.emulator.routes_permissions import ACCOUNT_CONCURRENCY, MIN_UNRESERVED
from lamina.emulator.tenancy import refuse_isolated

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
PATH = "/2019-09-30/functions/{FunctionName}/provisioned-concurrency"
NOT_PUBLISHED = "The function resource provided must be an alias or a published version."
_prewarms: set[asyncio.Task[None]] = set()
_failed: set[tuple[str, str]] = set()  # (function, qualifier) whose provisioning failed


def _target(
    emu: Emulator, request: web.Request, *, putting: bool = False
) -> tuple[FunctionState, str]:
    """The function and the qualifier a request names, or AWS's error for them."""
    raw = request.match_info["FunctionName"]
    name, qualifier = parse_function_ref(raw, request.query.get("Qualifier"))
    if qualifier is None or qualifier == LATEST:
        if putting:
            raise invalid(
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions."
            )
        raise invalid(NOT_PUBLISHED)
    state = emu.store.get(name)
    if is_alias_name(qualifier):
        if state is None or qualifier not in state.aliases:
            raise not_found(f"Cannot find alias arn: {emu.arns.function(name, qualifier)}")
    elif state is None or qualifier not in state.versions:
        raise function_not_found(emu.arns.function(name, qualifier))
    assert state is not None
    return state, qualifier


def _missing() -> LambdaError:
    return LambdaError(
        "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function",
        status=404,
    )


def _shape(emu: Emulator, state: FunctionState, qualifier: str, now: float) -> dict[str, Any]:
    requested, modified, ready_at = state.provisioned[qualifier]
    ready = now >= ready_at and (state.name, qualifier) not in emu.warming
    failed = ready and (state.name, qualifier) in _failed
    shape = {
        "AllocatedProvisionedConcurrentExecutions": requested if ready and not failed else 0,
        "AvailableProvisionedConcurrentExecutions": requested if ready and not failed else 0,
        "LastModified": timestamp(modified),
        "RequestedProvisionedConcurrentExecutions": requested,
        "Status": "FAILED" if failed else "READY" if ready else "IN_PROGRESS",
    }
    if failed:
        shape["StatusReason"] = "FUNCTION_ERROR_INIT_FAILURE"
    return shape


def _version_of(state: FunctionState, qualifier: str) -> str:
    alias = state.aliases.get(qualifier)
    return alias.function_version if alias is not None else qualifier


async def _provision(
    emu: Emulator, key: tuple[str, str], config: VersionConfig, count: int
) -> None:
    """Start `count` provisioned environments and wait until each has run its init. The
    version's layers are made ready first, so the environments start with their /opt."""
    _failed.discard(key)
    try:
        if emu.invoker.prepare_layers is not None:
            await emu.invoker.prepare_layers(config)
        runtime = emu.invoker.runtime_config(config)
        ready = await emu.pool.provision(runtime, count)
    except Exception:
        _failed.add(key)  # FAILED, not READY with nothing behind it
        raise
    if ready < count:
        _failed.add(key)


def _limit_error(message: str) -> LambdaError:
    return LambdaError("InvalidParameterValueException", message, error_type="")


@routes.put(PATH)
@api
async def put_provisioned_concurrency_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    body = await read_json(request, "PutProvisionedConcurrencyConfig")
    requested = integer(body, "ProvisionedConcurrentExecutions", 1)
    assert requested is not None  # required by the model
    async with emu.store.lock:
        state, qualifier = _target(emu, request, putting=True)
        refuse_isolated(state.latest, "Provisioned concurrency")
        version = _version_of(state, qualifier)
        for other in state.provisioned:
            if other == qualifier:
                continue
            if other in state.aliases and _version_of(state, other) == version:
                raise conflict("Version is pointed by a Provisioned Concurrency alias")
            if other == version:
                raise conflict(
                    "Alias can't be used for Provisioned Concurrency configuration on an "
                    "already Provisioned version"
                )
        reserved = sum(s.reserved_concurrency or 0 for s in emu.store.all())
        provisioned = sum(
            n
            for s in emu.store.all()
            for q, (n, _, _) in s.provisioned.items()
            if not (s.name == state.name and q == qualifier)
        )
        unreserved = ACCOUNT_CONCURRENCY - reserved - provisioned
        if requested > unreserved:
            raise _limit_error(
                "Specified ConcurrentExecutions for function is greater than account's "
                f"unreserved concurrency [{unreserved}]."
            )
        if unreserved - requested < MIN_UNRESERVED:
            raise _limit_error(
                "Specified ConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."
            )
        now = time.time()
        configs = {**state.provisioned, qualifier: (requested, now, now + emu.update_delay_s)}
        state = state.evolve(provisioned=configs)
        await emu.store.save(state)
    _prewarm(emu, state, qualifier, version)
    # AWS answers IN_PROGRESS, whatever comes next.
    return json_response(_shape(emu, state, qualifier, now - 1), 202)


def _prewarm(emu: Emulator, state: FunctionState, qualifier: str, version: str) -> None:
    config = state.versions.get(version)
    if config is None:
        return
    key = (state.name, qualifier)
    emu.warming.add(key)
    count = state.provisioned[qualifier][0]
    task = asyncio.get_running_loop().create_task(_provision(emu, key, config, count))
    _prewarms.add(task)

    def done(task: asyncio.Task[None]) -> None:
        _prewarms.discard(task)
        emu.warming.discard(key)
        if not task.cancelled() and task.exception() is not None:
            log.warning("starting a provisioned environment failed: %s", task.exception())

    task.add_done_callback(done)


@routes.get(PATH)
@api
async def provisioned_concurrency_reads(request: web.Request, emu: Emulator) -> web.StreamResponse:
    """GetProvisionedConcurrencyConfig, or ListProvisionedConcurrencyConfigs (?List=ALL):
    one path, told apart by the query, so each is validated here against its own operation."""
    if request.query.get("List") == "ALL":
        validate_params("ListProvisionedConcurrencyConfigs", request)
        return await _list_configs(request, emu)
    validate_params("GetProvisionedConcurrencyConfig", request)
    state, qualifier = _target(emu, request)
    if qualifier not in state.provisioned:
        raise _missing()
    return json_response(_shape(emu, state, qualifier, time.time()))


async def _list_configs(request: web.Request, emu: Emulator) -> web.StreamResponse:
    raw = request.match_info["FunctionName"]
    name, _ = parse_function_ref(raw)
    state = emu.store.get(name)
    if state is None:
        raise function_not_found(emu.arns.function(name))
    now = time.time()
    items: list[tuple[str, Any]] = []
    for qualifier in sorted(state.provisioned):
        shape = _shape(emu, state, qualifier, now)
        shape["FunctionArn"] = emu.arns.function(state.name, qualifier)
        items.append((qualifier, shape))
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"ProvisionedConcurrencyConfigs": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)


@routes.delete(PATH)
@api
async def delete_provisioned_concurrency_config(
    request: web.Request, emu: Emulator
) -> web.StreamResponse:
    async with emu.store.lock:
        state, qualifier = _target(emu, request)
        if qualifier in state.provisioned:
            configs = {q: c for q, c in state.provisioned.items() if q != qualifier}
            await emu.store.save(state.evolve(provisioned=configs))
            # Its environments stay warm as ordinary ones, reaped once idle.
            emu.pool.unprovision(state.name, _version_of(state, qualifier))
    return empty_response(204)


def resume_provisioning(emu: Emulator) -> None:
    """After a restart (a crash included), provision every stored config again."""
    for state in emu.store.all():
        for qualifier in state.provisioned:
            _prewarm(emu, state, qualifier, _version_of(state, qualifier))
