"""`lamina executions` and `lamina callback`: durable executions on `lamina serve` (or on AWS
with --endpoint-url and --profile), the counterparts of `sam local execution` and
`sam local callback`. Each subcommand is one Lambda API call through boto3."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import click

from lamina.commands.console import fail

DEFAULT_ENDPOINT = "http://127.0.0.1:3001"

endpoint_option = click.option(
    "--endpoint-url",
    default=lambda: os.environ.get("AWS_ENDPOINT_URL_LAMBDA") or DEFAULT_ENDPOINT,
    show_default="AWS_ENDPOINT_URL_LAMBDA, else http://127.0.0.1:3001",
    help="The Lambda API to ask (lamina serve).",
)
profile_option = click.option("--profile", help="AWS profile (for a non-local endpoint).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")


def _call(endpoint_url: str, profile: str | None, operation: str, **params: Any) -> Any:
    """One API call; a failure is one line naming the operation and AWS's error."""
    from botocore.exceptions import BotoCoreError, ClientError

    from lamina.emulator.client import lambda_client

    client = lambda_client(endpoint_url, profile)
    try:
        return getattr(client, operation)(**params)
    except ClientError as e:
        error = e.response.get("Error", {})
        fail(f"{operation}: {error.get('Code', 'Error')}: {error.get('Message', str(e))}")
    except BotoCoreError as e:
        fail(f"{operation}: {e} (is `lamina serve` running at {endpoint_url}?)")


def _print_json(data: Any) -> None:
    data = {k: v for k, v in data.items() if k != "ResponseMetadata"}
    click.echo(json.dumps(data, indent=2, default=str))


@click.group()
def executions() -> None:
    """Durable executions: list, get, history, stop, pause, resume, delete."""


@executions.command("list")
@click.argument("function")
@click.option(
    "--status", type=click.Choice(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"])
)
@endpoint_option
@profile_option
@json_option
def list_executions(
    function: str, status: str | None, endpoint_url: str, profile: str | None, as_json: bool
) -> None:
    """The durable executions of FUNCTION, newest first."""
    params: dict[str, Any] = {"FunctionName": function, "ReverseOrder": True}
    if status:
        params["Statuses"] = [status]
    response = _call(endpoint_url, profile, "list_durable_executions_by_function", **params)
    if as_json:
        _print_json(response)
        return
    for execution in response.get("DurableExecutions", []):
        click.echo(
            f"{execution.get('Status', '?'):<10} {execution.get('StartTimestamp', '')}  "
            f"{execution['DurableExecutionArn']}"
        )


@executions.command("get")
@click.argument("arn")
@endpoint_option
@profile_option
def get_execution(arn: str, endpoint_url: str, profile: str | None) -> None:
    """One execution: status, input, result or error."""
    _print_json(_call(endpoint_url, profile, "get_durable_execution", DurableExecutionArn=arn))


@executions.command("history")
@click.argument("arn")
@endpoint_option
@profile_option
@json_option
def execution_history(arn: str, endpoint_url: str, profile: str | None, as_json: bool) -> None:
    """What the execution did, event by event (with its data)."""
    from lamina.durable.history_text import history_lines

    events: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        params: dict[str, Any] = {"DurableExecutionArn": arn, "IncludeExecutionData": True}
        if marker:
            params["Marker"] = marker
        page = _call(endpoint_url, profile, "get_durable_execution_history", **params)
        events.extend(page.get("Events", []))
        marker = page.get("NextMarker")
        if not marker:
            break
    if as_json:
        _print_json({"Events": events})
        return
    for line in history_lines(events):
        click.echo(line)


@executions.command("stop")
@click.argument("arn")
@click.option("--error-message", default="Stopped by lamina executions stop")
@endpoint_option
@profile_option
def stop_execution(arn: str, error_message: str, endpoint_url: str, profile: str | None) -> None:
    """Stop a running execution."""
    params = {"DurableExecutionArn": arn, "Error": {"ErrorMessage": error_message}}
    response = _call(endpoint_url, profile, "stop_durable_execution", **params)
    click.echo(f"stopped {arn} at {response.get('StopTimestamp', '')}")


@executions.command("pause")
@click.argument("arn")
@click.option("--reason", help="Why (kept in the execution's history).")
@click.option(
    "--keep-timeout-running",
    is_flag=True,
    help="Let the execution timeout run on while paused (AWS's default pauses it too).",
)
@endpoint_option
@profile_option
def pause_execution(
    arn: str, reason: str | None, keep_timeout_running: bool, endpoint_url: str, profile: str | None
) -> None:
    """Pause a running execution: it starts no new invocation until resumed."""
    params: dict[str, Any] = {"DurableExecutionArn": arn}
    if reason:
        params["Reason"] = reason
    if keep_timeout_running:
        params["ExecutionTimeoutPaused"] = False
    _call(endpoint_url, profile, "pause_durable_execution", **params)
    click.echo(f"pausing {arn} (`lamina executions get` says PAUSED once no invocation runs)")


@executions.command("resume")
@click.argument("arn")
@click.option("--reason", help="Why (kept in the execution's history).")
@endpoint_option
@profile_option
def resume_execution(arn: str, reason: str | None, endpoint_url: str, profile: str | None) -> None:
    """Resume a paused execution: what came due while paused runs now."""
    params: dict[str, Any] = {"DurableExecutionArn": arn}
    if reason:
        params["Reason"] = reason
    _call(endpoint_url, profile, "resume_durable_execution", **params)
    click.echo(f"resumed {arn}")


@executions.command("delete")
@click.argument("arn")
@endpoint_option
@profile_option
def delete_execution(arn: str, endpoint_url: str, profile: str | None) -> None:
    """Delete an execution that has ended, with its history."""
    _call(endpoint_url, profile, "delete_durable_execution", DurableExecutionArn=arn)
    click.echo(f"deleted {arn}")


@click.group()
def callback() -> None:
    """Complete a durable function's callback: succeed, fail or heartbeat."""


def _callback_command(name: str, doc: str) -> Callable[[Callable[..., None]], click.Command]:
    def decorate(fn: Callable[..., None]) -> click.Command:
        fn.__doc__ = doc
        return callback.command(name)(
            click.argument("callback_id")(endpoint_option(profile_option(fn)))
        )

    return decorate


@_callback_command("succeed", "Complete CALLBACK_ID with a result (--result JSON or text).")
@click.option("--result", default="", help="The result the handler receives.")
def succeed(callback_id: str, result: str, endpoint_url: str, profile: str | None) -> None:
    _call(
        endpoint_url,
        profile,
        "send_durable_execution_callback_success",
        CallbackId=callback_id,
        Result=result.encode(),
    )
    click.echo(f"callback {callback_id} succeeded")


@_callback_command("fail", "Fail CALLBACK_ID with an error.")
@click.option("--error-type", default="CallbackFailed")
@click.option("--error-message", default="")
def fail_callback(
    callback_id: str, error_type: str, error_message: str, endpoint_url: str, profile: str | None
) -> None:
    error = {"ErrorType": error_type, "ErrorMessage": error_message}
    _call(
        endpoint_url,
        profile,
        "send_durable_execution_callback_failure",
        CallbackId=callback_id,
        Error=error,
    )
    click.echo(f"callback {callback_id} failed ({error_type})")


@_callback_command("heartbeat", "Tell CALLBACK_ID's waiter that the work is still going on.")
def heartbeat(callback_id: str, endpoint_url: str, profile: str | None) -> None:
    _call(
        endpoint_url, profile, "send_durable_execution_callback_heartbeat", CallbackId=callback_id
    )
    click.echo(f"callback {callback_id}: heartbeat sent")
