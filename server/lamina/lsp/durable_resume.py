"""Executions the editor started go on after the language server restarts.

Their state is in `.lamina/state/durable-editor/`. When the language server opens that store
(at the workspace's start if it exists, else at the first durable run), each execution there
that has not ended and that this session does not follow is followed again as if `lamina.run`
had started it (its events, lenses, "Send callback", `lamina.durableExecutions`) and resumed as
`lamina serve` resumes after a restart: its timeout and timers are armed again, a wait that
ended meanwhile completes at once, one waiting for a callback waits on (its replay runs no
succeeded step again). This runs before any new execution starts (under the store's lock). An
execution whose function is no longer in the template is left in the store, said once. The
store is opened at start only when it exists, so a workspace without durable runs pays nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from lamina.lsp import durable_executions, lifecycle
from lamina.lsp.durable_executions import STORE, EditorDurable, durable_of
from lamina.lsp.durable_targets import find_spec, with_endpoint
from lamina.lsp.run_command import RunRequest, config_for
from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from lamina.durable.local_api import LocalDurableApi
    from lamina.project.spec import FunctionSpec
    from lamina.runtime.config import FunctionConfig
    from lamina.runtime.invocation import InvocationResult

log = logging.getLogger(__name__)


async def open_stored(ls: LaminaServer) -> None:
    """At the workspace's start: open the editor's store if a previous session left one."""
    from lamina.durable.availability import missing_reason
    from lamina.project.stack_context import default_region
    from lamina.project.workspace import state_dir

    if (state_dir(ls.state.root) / STORE).is_dir() and missing_reason() is None:
        await durable_of(ls).open(default_region())


async def resume_stored(durable: EditorDurable, api: LocalDurableApi) -> list[str]:
    """Follow and resume the stored executions that have not ended and that this session
    does not follow; their ARNs."""
    ls = durable.ls
    service = api.service
    resumed: list[str] = []
    for arn in await service.call(service.running_arns):
        if durable.follows(arn):
            continue
        try:
            name = await _resume(durable, api, arn)
        except Exception as e:  # one execution's trouble must not stop the others, nor a run
            log.exception("resuming %s failed", arn)
            name = None
            ls.log_to_client(f"Lamina: durable execution {arn} is not resumed: {e}")
        if name is not None:
            ls.log_to_client(f"Lamina: durable execution {arn} of {name} resumed")
            resumed.append(arn)
    return resumed


async def _resume(durable: EditorDurable, api: LocalDurableApi, arn: str) -> str | None:
    """Follow and resume one execution; its function's logical id (None: not in the project)."""
    ls = durable.ls
    service = api.service
    execution = await service.call(service.execution, arn)
    start = execution.start_input
    spec = await find_spec(ls, start.function_name)
    if spec is None:
        ls.log_to_client(
            f"Lamina: durable execution {arn} is not resumed: its function "
            f"{start.function_name} is not in the project",
            types.MessageType.Warning,
        )
        return None
    request = RunRequest(spec, (start.input or "{}").encode(), "resumed")
    config = with_endpoint(await config_for(ls, request), api.endpoint)
    durable.adopt(api, request, _invoker(ls, spec, config), arn)
    await service.call(service.resume, arn)
    return spec.logical_id


def _invoker(
    ls: LaminaServer, spec: FunctionSpec, config: FunctionConfig
) -> Callable[[bytes], Awaitable[InvocationResult]]:
    runner = ls.state.runner

    async def invoke(body: bytes) -> InvocationResult:
        return await runner.invoke(spec, config, body)

    return invoke


def register(server: LaminaServer) -> None:
    durable_executions.OPENED.append(resume_stored)
    lifecycle.AFTER_START.append(open_stored)
