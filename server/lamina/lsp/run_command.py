"""`lamina.run {function, event?, eventJson?, runConfiguration?}`: run a handler in a warm
environment and report the result four ways: the logs as window/logMessage, the
`lamina/invocationResult` notification, a one-line window/showMessage, and the response.

The event is, in order: `eventJson` (inline), `event` (a name or a path), the run
configuration's, the one selected for the function, the `defaultEvent` setting, the
function's first sample event, else `{}`. Cancelling the request (or its progress) ends the
run's environment. `lamina.installRequirements {function}` installs a function's requirements.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from lamina.lsp.arguments import CommandArguments
from lamina.lsp.errors import Cancelled, UserError
from lamina.lsp.event_selections import event_label
from lamina.lsp.invocation_result import invocation_result, summary
from lamina.lsp.progress import Progress, progress_after
from lamina.lsp.runner import RunError
from lamina.lsp.server import LaminaServer
from lamina.project.spec import ProjectError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from lamina.project.spec import FunctionSpec
    from lamina.runtime.config import FunctionConfig
    from lamina.runtime.invocation import InvocationResult

log = logging.getLogger(__name__)
INVOCATION_RESULT = "lamina/invocationResult"
PROGRESS_AFTER_S = 0.3
SMALL_EVENT_BYTES = 64 * 1024


@dataclass
class RunRequest:
    spec: FunctionSpec
    payload: bytes
    event: str | None
    environment: dict[str, str] = field(default_factory=dict)


def _inline_event(value: Any) -> bytes:
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError as e:
            raise UserError(f"lamina.run: eventJson is not valid JSON: {e}") from None
        return value.encode()
    return json.dumps(value).encode()


async def resolve_run(ls: LaminaServer, args: CommandArguments) -> RunRequest:
    from lamina.project.run_configurations import find_run_configuration

    state = ls.state
    project = await state.index.project()
    function = args.text("function")
    event = args.text("event")
    environment: dict[str, str] = {}
    configuration_name = args.text("runConfiguration")
    if configuration_name:
        configuration = find_run_configuration(state.root, configuration_name)
        function = function or configuration.function
        event = event or configuration.event
        environment.update(configuration.env)
    if not function and len(project.functions) == 1:
        function = next(iter(project.functions))  # clients that send no arguments (Helix)
    if not function:
        known = ", ".join(project.functions) or "none in this project"
        raise UserError(
            f'{args.command} needs "function": a logical id ({known}) or path.py:function'
        )
    spec = project.find(function, cwd=state.root)
    if args.raw("eventJson") is not None:
        return RunRequest(spec, _inline_event(args.raw("eventJson")), "inline", environment)
    event = event or event_label(spec, state.selections, ls.settings.text("defaultEvent"))
    if event is None:
        return RunRequest(spec, b"{}", None, environment)
    return RunRequest(spec, await _event_bytes(spec, state.root, event), event, environment)


async def _event_bytes(spec: FunctionSpec, root: Path, event: str) -> bytes:
    """A small sample event known by name is read right here (a warm run is a few ms, and a
    thread hop is a good part of that); anything else in a worker thread."""
    from lamina.project.event_payload import check_event_json, read_event_file

    if "/" not in event and os.sep not in event:
        name = event.removesuffix(".json")
        path = next((e.path for e in spec.events if e.name == name), None)
        try:
            small = path is not None and path.stat().st_size <= SMALL_EVENT_BYTES
        except OSError:
            small = False
        if path is not None and small:
            data = path.read_bytes()
            check_event_json(data, path)
            return data
    payload, _path = await asyncio.to_thread(read_event_file, spec, root, event, root)
    return payload


async def resolve_for(ls: LaminaServer, args: CommandArguments) -> RunRequest:
    """The function and event of a run or a debug session (settings and file changes in)."""
    state = ls.state
    await state.settings_ready.wait()
    await state.changes.settled()
    try:
        return await resolve_run(ls, args)
    except ProjectError as e:
        ls.show(f"Lamina: {e}", types.MessageType.Error)
        raise UserError(str(e)) from None


async def config_for(ls: LaminaServer, request: RunRequest) -> FunctionConfig:
    """The environment config of a run, its requirements installed first if need be."""
    runner = ls.state.runner
    spec = request.spec
    if not runner.installed_already(spec) and await asyncio.to_thread(runner.needs_install, spec):
        await install_requirements(ls, spec)
    return await runner.config_for(spec, request.environment)


def deliver_result(
    ls: LaminaServer, result: InvocationResult, request: RunRequest
) -> dict[str, Any]:
    """The result three ways (logs, notification, one-line message unless the client shows
    results itself); returns the object."""
    spec = request.spec
    outcome = invocation_result(result, spec.logical_id, request.event, [spec.code_dir])
    ls.log_to_client(result.logs.rstrip("\n") or f"(no logs from {spec.logical_id})")
    ls.protocol.notify(INVOCATION_RESULT, outcome)
    if not ls.shows_results():
        ls.show(summary(outcome), types.MessageType.Info if result.ok else types.MessageType.Error)
    return outcome


@contextlib.asynccontextmanager
async def command_work(ls: LaminaServer, title: str, what: str) -> AsyncIterator[None]:
    """The work of a run or debug command: progress titled `title` once it takes a moment,
    which the client may cancel; a RunError becomes one clear error, a cancel a warning naming
    `what` was cancelled."""
    task = asyncio.current_task()
    assert task is not None

    def cancel() -> None:
        task.cancel()

    try:
        async with progress_after(ls, title, PROGRESS_AFTER_S, cancel):
            yield
    except RunError as e:
        ls.show(f"Lamina: {e}", types.MessageType.Error)
        raise UserError(str(e)) from None
    except asyncio.CancelledError:
        message = f"{what} cancelled; its environment was stopped"
        ls.show(message, types.MessageType.Warning)
        raise Cancelled(message) from None


# How a function with a DurableConfig runs (durable_runs.py registers it).
DURABLE_RUN: list[Callable[[LaminaServer, RunRequest], Awaitable[dict[str, Any]]]] = []


async def run_function(ls: LaminaServer, args: CommandArguments) -> dict[str, Any]:
    request = await resolve_for(ls, args)
    if request.spec.durable_config is not None and DURABLE_RUN:
        return await DURABLE_RUN[0](ls, request)
    spec = request.spec
    name = spec.logical_id
    async with command_work(ls, f"Running {name}", f"Run of {name}"):
        config = await config_for(ls, request)
        result = await ls.state.runner.invoke(spec, config, request.payload)
    return deliver_result(ls, result, request)


async def install_requirements(ls: LaminaServer, spec: FunctionSpec) -> None:
    requirements = spec.requirements_file
    progress = Progress(ls, f"Installing requirements for {spec.logical_id}", announce=True)
    await progress.begin(f"pip install -r {requirements} (once; cached in .lamina/state)")
    try:
        await ls.state.runner.dependency_paths(spec)
    finally:
        progress.end()
    ls.tasks.spawn(ls.state.diagnostics.after_install(), "requirements diagnostics")


def register(server: LaminaServer) -> None:
    @server.command("lamina.run")
    async def run(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        with ls.cancellable_request():
            return await run_function(ls, CommandArguments("lamina.run", arguments))

    @server.command("lamina.installRequirements")
    async def install(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        args = CommandArguments("lamina.installRequirements", arguments)
        try:
            project = await ls.state.index.project()
            spec = project.find(args.required_text("function"), cwd=ls.state.root)
        except ProjectError as e:
            raise UserError(str(e)) from None
        if spec.requirements_file is None:
            return {"function": spec.logical_id, "installed": False}
        try:
            await install_requirements(ls, spec)
        except RunError as e:
            ls.show(f"Lamina: {e}", types.MessageType.Error)
            raise UserError(str(e)) from None
        ls.show(f"Installed the requirements of {spec.logical_id}")
        return {"function": spec.logical_id, "installed": True}
