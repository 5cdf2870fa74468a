"""Chained invokes' targets under `lamina.debug`: each invocation of a function that a debugged
execution invokes (a plain target's one invocation, or one of a child execution's) runs in a
debug environment of its own, announced as `lamina/debugReady` like the execution's own, so an
editor that attaches on that notification (Lamina's VS Code extension, the nvim-dap and dap-mode
recipes in docs/debugging.md) stops in the target too. The environment ends with the
invocation. When no debugger can start for it (a fixed `debug.port`, which the execution's own
debugpy holds: one port serves one debugpy), the target runs outside the debugger and
`outside` says why, once per target, as the language server did for every target before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lamina.lsp.debug_command import DEBUG_READY, debug_settings
from lamina.lsp.runner import RunError
from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from lamina.project.spec import FunctionSpec
    from lamina.runtime.config import FunctionConfig
    from lamina.runtime.invocation import InvocationResult


@dataclass(frozen=True)
class Debugged:
    """The debugged execution's function a target was invoked from, and how to say that the
    target runs outside the debugger (with the reason)."""

    parent: str
    outside: Callable[[str, str], None]


async def invoke_debugged(
    ls: LaminaServer, spec: FunctionSpec, config: FunctionConfig, body: bytes, debug: Debugged
) -> InvocationResult:
    from lamina.runtime.debug import attach_configuration
    from lamina.runtime.invocation import InvocationRequest

    runner = ls.state.runner
    name = spec.logical_id
    settings = debug_settings(ls)
    if settings.port:
        debug.outside(name, f"lamina.debug.port is fixed ({settings.port}) and in use")
        return await runner.invoke(spec, config, body)
    try:
        env = await runner.start_debug(config, settings)
    except RunError as e:
        debug.outside(name, str(e))
        return await runner.invoke(spec, config, body)
    invocation = InvocationRequest(payload=body)
    attach = attach_configuration(
        env.debug_port or 0,
        name,
        invocation.request_id,
        name=f"Lamina: debug {name} (invoked from {debug.parent})",
    )
    ls.protocol.notify(DEBUG_READY, attach)
    ls.log_to_client(
        f"Lamina: debugpy for {name}, invoked from the debugged execution of {debug.parent}, "
        f"listens on 127.0.0.1:{env.debug_port}"
    )
    return await runner.invoke_debug(env, invocation)  # it ends the environment
