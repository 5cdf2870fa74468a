"""`lamina invoke` on a durable function (one with a DurableConfig): the whole execution, from
the first invocation through every replay, then each invocation's logs (with its REPORT), a
readable history and the execution's result. --skip-time (or durable.skipTime) ends waits,
retry back-off and timeouts at once; without it a wait longer than 15 minutes ends the
command with the execution's ARN, and `--resume ARN` continues it later from the stored state."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, NoReturn

import click

from lamina.commands.console import exit_now, fail, notice, print_logs

if TYPE_CHECKING:
    from lamina.durable.local_run import FindConfig
    from lamina.project import FunctionSpec, Project

# Signs the SDK's checkpoint calls when the developer has no credentials (Lamina's checkpoint
# API accepts any signature).
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "LAMINALOCALACCESSKEY",
    "AWS_SECRET_ACCESS_KEY": "lamina-local-secret-access-key",
}


def invoke_durable(
    spec: FunctionSpec,
    project: Project,
    payload: bytes,
    *,
    environment: dict[str, str],
    timeout: float | None,
    memory: int | None,
    runtime_client: str,
    python: str,
    assume_role: str | None,
    profile: str | None,
    skip_time: bool,
    resume_arn: str | None = None,
) -> NoReturn:
    from lamina.durable.availability import missing_reason

    reason = missing_reason()
    if reason is not None:
        fail(f"{spec.logical_id}: {reason}")
    from lamina.commands.function_setup import function_config, invoke_overrides, local_credentials
    from lamina.durable.local_run import ResumeError, run_execution
    from lamina.project.workspace import state_dir
    from lamina.runtime.config import RuntimeOptions
    from lamina.runtime.pool import RuntimePool

    config = function_config(
        spec, project, python, **invoke_overrides(spec, environment, timeout, memory)
    )
    _, creds = local_credentials(spec, config, assume_role, profile)
    notice(
        f"{spec.logical_id} is a durable function: its AWS_ENDPOINT_URL_LAMBDA points at "
        "Lamina's checkpoint API, so the SDK's calls (and any Lambda client the handler makes) "
        "reach Lamina" + (", time skipped" if skip_time else "")
    )
    credentials_env = creds.as_env() if creds else DUMMY_CREDENTIALS
    expiry = creds.expiry if creds else None

    async def provider() -> tuple[dict[str, str], datetime | None]:
        return dict(credentials_env), expiry

    options = RuntimeOptions(python=python, runtime_client=runtime_client, max_concurrency=1)
    targets = chained_targets(project)

    async def go() -> object:
        async with RuntimePool(options, credentials=provider) as pool:
            return await run_execution(
                config,
                pool,
                payload,
                state_dir(project.root) / "durable",
                skip_time=skip_time,
                durable_config=spec.durable_config or {},
                resume_arn=resume_arn,
                targets=targets,
                notice=notice,
            )

    try:
        run = asyncio.run(go())
    except ResumeError as e:
        fail(f"--resume: {e}")
    except KeyboardInterrupt:
        fail("interrupted", 130)
    report(run)


def chained_targets(project: Project) -> FindConfig:
    """The project's other functions for `context.invoke`, each set up (its interpreter,
    requirements and layers, as `lamina api` runs it) on first use."""
    from lamina.commands.function_setup import function_config
    from lamina.durable.chained import spec_named
    from lamina.durable.local_run import ChainedTarget

    found: dict[str, ChainedTarget] = {}

    async def find(identifier: str) -> ChainedTarget | None:
        spec = spec_named(project.functions.values(), identifier)
        if spec is None:
            return None
        if spec.logical_id not in found:
            config = await asyncio.to_thread(function_config, spec, project)
            found[spec.logical_id] = ChainedTarget(config, spec.durable_config)
        return found[spec.logical_id]

    return find


def report(run: object) -> NoReturn:
    from lamina.durable.history_text import history_lines
    from lamina.durable.local_run import DurableRun

    assert isinstance(run, DurableRun)
    for result in run.invocations:
        print_logs(result.logs)
    click.echo(f"--- history of {run.arn}", err=True)
    for line in history_lines(run.history):
        click.echo(line, err=True)
    if run.status == "RUNNING":
        notice(
            f"the execution is waiting until {run.wakes_at:%Y-%m-%d %H:%M:%S} UTC, longer than "
            "a synchronous invoke waits (15 minutes). Its state is kept in .lamina/state/durable; "
            f"continue it with `lamina invoke {run.function} --resume {run.arn}` (add "
            "--skip-time to end the wait at once), or deploy it to `lamina serve` (which runs "
            "waits of any length and resumes them after a restart)."
        )
        sys.stdout.write(json.dumps({"DurableExecutionArn": run.arn, "Status": "RUNNING"}) + "\n")
        exit_now(0)
    if run.status == "SUCCEEDED":
        sys.stdout.write((run.result if run.result is not None else "null") + "\n")
        exit_now(0)
    error = run.error or {}
    body = {
        "errorType": error.get("ErrorType") or run.status,
        "errorMessage": error.get("ErrorMessage") or f"the execution {run.status}",
    }
    sys.stdout.write(json.dumps(body) + "\n")
    exit_now(1)
