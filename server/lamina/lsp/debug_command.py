"""`lamina.debug {function, event?, eventJson?, runConfiguration?}`: debug a handler with debugpy.

The function and event are resolved as for `lamina.run`. A debug environment of its own starts
(debugpy listening on loopback, `debug.*` settings); the command answers with a DAP attach
configuration (DESIGN.md, `lamina/debugReady`) and sends the same as that notification. In the
background the event is invoked once the client has attached and configured, then the result
arrives as a run's does, and the environment ends. Sessions are independent: several can run
at once. Cancelling the request while the environment starts ends it; shutdown ends them all.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from lamina.lsp.arguments import CommandArguments
from lamina.lsp.errors import UserError
from lamina.lsp.run_command import (
    RunRequest,
    command_work,
    config_for,
    deliver_result,
    resolve_for,
)
from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from lamina.runtime.debug import DebugSettings
    from lamina.runtime.environment import ExecutionEnvironment
    from lamina.runtime.invocation import InvocationRequest

log = logging.getLogger(__name__)
DEBUG_READY = "lamina/debugReady"


def debug_settings(ls: LaminaServer) -> DebugSettings:
    from lamina.runtime.debug import DebugSettings

    return DebugSettings.from_settings(ls.settings.get)


# How a function with a DurableConfig is debugged (durable_runs.py registers it).
DURABLE_DEBUG: list[Callable[[LaminaServer, RunRequest], Awaitable[dict[str, Any]]]] = []


async def start_debugging(ls: LaminaServer, args: CommandArguments) -> dict[str, Any]:
    from lamina.gateway.function_runner import debug_refusal
    from lamina.runtime.debug import attach_configuration
    from lamina.runtime.invocation import InvocationRequest

    request = await resolve_for(ls, args)
    refusal = debug_refusal(request.spec.logical_id, request.spec.runtime)
    if refusal is not None:
        raise UserError(f"Lamina: {refusal}")
    if request.spec.durable_config is not None and DURABLE_DEBUG:
        return await DURABLE_DEBUG[0](ls, request)
    spec = request.spec
    debug = debug_settings(ls)
    name = spec.logical_id
    async with command_work(ls, f"Debugging {name}", f"Debugging {name}"):
        config = await config_for(ls, request)
        env = await ls.state.runner.start_debug(config, debug)
    invocation = InvocationRequest(payload=request.payload)
    attach = attach_configuration(env.debug_port or 0, spec.logical_id, invocation.request_id)
    ls.tasks.spawn(_invoke_when_attached(ls, env, invocation, request), f"debug {spec.logical_id}")
    ls.protocol.notify(DEBUG_READY, attach)
    waiting = "waiting for a debugger" if debug.wait_for_client else "running"
    ls.log_to_client(
        f"Lamina: debugpy for {spec.logical_id} listens on 127.0.0.1:{env.debug_port}; {waiting}"
    )
    return attach


async def _invoke_when_attached(
    ls: LaminaServer, env: ExecutionEnvironment, invocation: InvocationRequest, request: RunRequest
) -> None:
    name = request.spec.logical_id
    try:
        result = await ls.state.runner.invoke_debug(env, invocation)
    except asyncio.CancelledError:
        log.info("debug session of %s ended before its invocation finished", name)
        raise
    except Exception as e:
        ls.show(f"Lamina: debugging {name} failed: {e}", types.MessageType.Error)
        log.info("debug session of %s failed", name, exc_info=e)
        return
    deliver_result(ls, result, request)


def register(server: LaminaServer) -> None:
    @server.command("lamina.debug")
    async def debug(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        with ls.cancellable_request():
            return await start_debugging(ls, CommandArguments("lamina.debug", arguments))
