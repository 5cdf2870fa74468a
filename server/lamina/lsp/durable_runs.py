"""Durable functions in the editor: `lamina.run` and `lamina.debug` on a function with a
DurableConfig run its whole execution, as `lamina invoke` does, inside the language server
(the executions and their store: durable_executions.py; their progress in the editor:
durable_progress.py).

- `lamina.run` answers once the execution has ended, or once nothing happens until someone
  sends a callback (or a timer more than 15 minutes away ends): then with status RUNNING and
  its pending callbacks, while the execution goes on in the background (durable_callbacks.py
  offers "Send callback").
- `lamina.debug` starts one debug environment and runs every invocation of the execution in
  it: the first run and each replay after a wait or a callback reach the same debugpy, so a
  breakpoint after a wait is hit without attaching again. The environment ends with the
  execution. The functions it invokes run under debugpy too (durable_target_debug.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lamina.lsp.debug_command import DEBUG_READY, debug_settings
from lamina.lsp.durable_executions import DebugLane, durable_of
from lamina.lsp.durable_targets import with_endpoint
from lamina.lsp.run_command import RunRequest, command_work, config_for
from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from lamina.runtime.invocation import InvocationResult


async def run_durable(ls: LaminaServer, request: RunRequest) -> dict[str, Any]:
    """`lamina.run` on a durable function: the execution until it ends or waits on the world."""
    durable = durable_of(ls)
    name = request.spec.logical_id
    async with command_work(ls, f"Running {name}", f"Run of {name}"):
        config = await config_for(ls, request)
        api = await durable.open(config.region)
        config = with_endpoint(config, api.endpoint)
        runner = ls.state.runner
        spec = request.spec

        async def invoke(body: bytes) -> InvocationResult:
            return await runner.invoke(spec, config, body)

        followed = await durable.start(request, config, invoke)
        ls.log_to_client(
            f"Lamina: {name} is a durable function; execution {followed.arn}; its "
            f"AWS_ENDPOINT_URL_LAMBDA (any Lambda client it makes) is Lamina's, {api.endpoint}"
        )
        await followed.settled.wait()
    return followed.summary()


async def debug_durable(ls: LaminaServer, request: RunRequest) -> dict[str, Any]:
    """`lamina.debug` on a durable function: one debugpy for the whole execution."""
    from lamina.runtime.debug import attach_configuration

    durable = durable_of(ls)
    spec = request.spec
    name = spec.logical_id
    debug = debug_settings(ls)
    async with command_work(ls, f"Debugging {name}", f"Debugging {name}"):
        config = await config_for(ls, request)
        api = await durable.open(config.region)
        config = with_endpoint(config, api.endpoint)
        env = await ls.state.runner.start_debug(config, debug)
    lane = DebugLane(ls, env)
    try:
        followed = await durable.start(request, config, lane)
    except BaseException:
        await lane.end()
        raise
    attach = attach_configuration(env.debug_port or 0, name, followed.arn)
    ls.protocol.notify(DEBUG_READY, attach)
    ls.log_to_client(
        f"Lamina: debugpy for durable {name} listens on 127.0.0.1:{env.debug_port}; every "
        f"invocation of execution {followed.arn} runs in it"
    )
    return attach


def register(server: LaminaServer) -> None:
    from lamina.lsp import debug_command, run_command

    run_command.DURABLE_RUN.append(run_durable)
    debug_command.DURABLE_DEBUG.append(debug_durable)
