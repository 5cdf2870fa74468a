"""What the editor shows and offers while a durable execution it started runs
(durable_runs.py): a status lens over the handler, "Send callback" on a waiting callback (a
lens and a code action), and the commands behind them.

- `lamina.durableExecutions {function?}` -> the executions this session started: `{function,
  executionArn, status, pendingCallbacks: [{callbackId, name, operationId}], wakesAt, result,
  error, history}` each.
- `lamina.sendCallback {callbackId?, function?, executionArn?, outcome?: succeed|fail|heartbeat,
  result?, errorType?, errorMessage?}`: completes a callback as SendDurableExecutionCallback*
  does. Without `callbackId`, the one pending callback of that execution or function (several
  are named in the error). `result` is sent as given when it is a string, as JSON otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from lamina.lsp import code_actions
from lamina.lsp.arguments import CommandArguments
from lamina.lsp.code_lenses import EXTRA_LENSES
from lamina.lsp.durable_executions import durable_of
from lamina.lsp.durable_followed import FollowedExecution
from lamina.lsp.errors import UserError
from lamina.lsp.server import LaminaServer
from lamina.lsp.source_actions import kind_requested, wants_source_actions

if TYPE_CHECKING:
    from lamina.durable.local_api import PendingCallback
    from lamina.lsp.project_index import LoadedProject

CALLBACK_KIND = "source.lamina.callback"
OUTCOMES = ("succeed", "fail", "heartbeat")


def _running(ls: LaminaServer, function: str | None = None) -> list[FollowedExecution]:
    return [
        f
        for f in durable_of(ls).followed()
        if f.status in ("RUNNING", "PAUSING", "PAUSED") and function in (None, f.function)
    ]


def _status_text(followed: FollowedExecution) -> str:
    if followed.callbacks:
        names = ", ".join(repr(c.name or c.callback_id[:8]) for c in followed.callbacks)
        return f"⏳ {followed.function}: waiting for callback {names}"
    if followed.wakes_at:
        return f"⏳ {followed.function}: waiting until {followed.wakes_at[:19]} UTC"
    return f"⏳ {followed.function}: {followed.status.lower()}"


def _callback_label(callback: PendingCallback) -> str:
    return repr(callback.name) if callback.name else callback.callback_id[:12]


def _def_line(ls: LaminaServer, path: Path, name: str) -> int | None:
    document = ls.workspace.text_documents.get(path.as_uri())
    try:
        text = document.source if document is not None else path.read_text(errors="replace")
    except OSError:
        return None
    for number, line in enumerate(text.splitlines()):
        if line.startswith((f"def {name}(", f"async def {name}(")):
            return number
    return None


def status_lenses(
    ls: LaminaServer, path: Path, loaded: LoadedProject | None
) -> list[types.CodeLens]:
    """Over a durable handler whose execution runs: its status, and "Send callback"."""
    if loaded is None or not ls.initialized:
        return []
    lenses: list[types.CodeLens] = []
    for spec in loaded.specs_for_file(path):
        running = _running(ls, spec.logical_id)
        line = _def_line(ls, path, spec.function) if running else None
        if line is None:
            continue
        where = types.Range(types.Position(line, 0), types.Position(line, 0))
        for followed in running:
            status = types.Command(
                _status_text(followed),
                "lamina.durableExecutions",
                arguments=[{"function": spec.logical_id}],
            )
            lenses.append(types.CodeLens(where, status))
            for callback in followed.callbacks:
                send = types.Command(
                    f"✉ Send callback {_callback_label(callback)}",
                    "lamina.sendCallback",
                    arguments=[{"callbackId": callback.callback_id, "outcome": "succeed"}],
                )
                lenses.append(types.CodeLens(where, send))
    return lenses


async def callback_actions(
    ls: LaminaServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    """In a durable handler's file: succeed or fail each callback its executions wait for."""
    context = params.context
    wanted = wants_source_actions(context) and kind_requested(context.only, CALLBACK_KIND)
    if not wanted or not ls.initialized:
        return []
    if not _running(ls):
        return []
    loaded = await ls.state.index.current()
    path_text = to_fs_path(params.text_document.uri)
    if loaded is None or path_text is None:
        return []
    actions: list[types.CodeAction] = []
    for spec in loaded.specs_for_file(Path(path_text)):
        for followed in _running(ls, spec.logical_id):
            for callback in followed.callbacks:
                label = _callback_label(callback)
                for outcome in ("succeed", "fail"):
                    arguments = {"callbackId": callback.callback_id, "outcome": outcome}
                    title = f"Lamina: send callback {label} of {spec.logical_id}: {outcome}"
                    command = types.Command(title, "lamina.sendCallback", arguments=[arguments])
                    actions.append(
                        types.CodeAction(title=title, kind=CALLBACK_KIND, command=command)
                    )
    return actions


def _find_callback(ls: LaminaServer, args: CommandArguments) -> tuple[str, str]:
    """(callback id, execution ARN) the command means."""
    callback_id = args.text("callbackId")
    arn = args.text("executionArn")
    function = args.text("function")
    candidates = [
        (callback, followed)
        for followed in _running(ls, function)
        if arn in (None, followed.arn)
        for callback in followed.callbacks
    ]
    if callback_id:
        for callback, followed in candidates:
            if callback.callback_id == callback_id:
                return callback_id, followed.arn
        return callback_id, arn or ""  # not one this session saw: the service decides
    if len(candidates) == 1:
        callback, followed = candidates[0]
        return callback.callback_id, followed.arn
    if not candidates:
        raise UserError("lamina.sendCallback: no execution started here waits for a callback")
    listed = ", ".join(f"{c.callback_id} ({f.function} {c.name or ''})" for c, f in candidates)
    raise UserError(f'lamina.sendCallback: say which "callbackId": {listed}')


def _result_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


async def send_callback(ls: LaminaServer, args: CommandArguments) -> dict[str, Any]:
    from aws_durable_execution_sdk_python.lambda_service import ErrorObject
    from aws_durable_execution_sdk_python_testing.exceptions import AwsApiException

    outcome = args.text("outcome") or "succeed"
    if outcome not in OUTCOMES:
        raise UserError(f'lamina.sendCallback: "outcome" is one of {", ".join(OUTCOMES)}')
    api = durable_of(ls).api
    if api is None:
        raise UserError("lamina.sendCallback: no durable execution was started in this session")
    callback_id, arn = _find_callback(ls, args)
    executor = api.service.executor
    try:
        if outcome == "succeed":
            result = _result_bytes(args.raw("result"))
            await api.service.call(executor.send_callback_success, callback_id, result)
        elif outcome == "fail":
            error = ErrorObject(
                message=args.text("errorMessage") or "",
                type=args.text("errorType") or "CallbackFailed",
                data=None,
                stack_trace=None,
            )
            await api.service.call(executor.send_callback_failure, callback_id, error)
        else:
            await api.service.call(executor.send_callback_heartbeat, callback_id)
    except AwsApiException as e:
        message = f"lamina.sendCallback: {type(e).__name__}: {e}"
        ls.show(f"Lamina: {message}", types.MessageType.Error)
        raise UserError(message) from None
    ls.log_to_client(f"Lamina: callback {callback_id} {outcome}")
    return {"callbackId": callback_id, "executionArn": arn, "outcome": outcome}


def register(server: LaminaServer) -> None:
    EXTRA_LENSES.append(status_lenses)
    code_actions.EXTRA_ACTIONS.append(callback_actions)

    @server.command("lamina.durableExecutions")
    async def executions(ls: LaminaServer, *arguments: Any) -> list[dict[str, Any]]:
        args = CommandArguments("lamina.durableExecutions", arguments)
        function = args.text("function")
        return [f.summary() for f in durable_of(ls).followed() if function in (None, f.function)]

    @server.command("lamina.sendCallback")
    async def send(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        return await send_callback(ls, CommandArguments("lamina.sendCallback", arguments))
