"""Invoking a deployed function through the Lambda API: `lamina invoke FUNCTION --endpoint-url`.

The same boto3 call reaches `lamina serve` and AWS. A loopback endpoint is Lamina's emulator and
gets dummy credentials, never the developer's; any other endpoint uses the normal credential
chain (or --profile). boto3 is imported here, lazily, never on `lamina`'s start path.
"""

from __future__ import annotations

import base64
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lamina.project.stack_context import default_region

DUMMY_CREDENTIALS = {"aws_access_key_id": "lamina", "aws_secret_access_key": "lamina"}


class RemoteInvokeError(Exception):
    """The call failed before the function ran (unknown function, unreachable endpoint...)."""


@dataclass
class RemoteResult:
    payload: bytes
    logs: str
    function_error: str | None
    executed_version: str | None
    status: int


def is_local_endpoint(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def lambda_client(endpoint_url: str | None, profile: str | None = None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"total_max_attempts": 1},
        read_timeout=910,  # Lambda's longest timeout, and some
        connect_timeout=5,
    )
    if endpoint_url and is_local_endpoint(endpoint_url) and profile is None:
        session = boto3.session.Session(region_name=default_region(), **DUMMY_CREDENTIALS)
    else:
        session = boto3.session.Session(profile_name=profile, region_name=default_region())
    return session.client("lambda", endpoint_url=endpoint_url, config=config)


def invoke_remote(
    function: str,
    payload: bytes,
    endpoint_url: str | None,
    qualifier: str | None = None,
    profile: str | None = None,
    tenant_id: str | None = None,
) -> RemoteResult:
    from botocore.exceptions import BotoCoreError, ClientError

    client = lambda_client(endpoint_url, profile)
    params: dict[str, Any] = {"FunctionName": function, "Payload": payload, "LogType": "Tail"}
    if qualifier:
        params["Qualifier"] = qualifier
    if tenant_id:
        params["TenantId"] = tenant_id
    try:
        response = client.invoke(**params)
    except ClientError as e:
        error = e.response.get("Error", {})
        raise RemoteInvokeError(
            f"{error.get('Code', 'Error')}: {error.get('Message', str(e))}"
        ) from None
    except BotoCoreError as e:
        hint = " (is `lamina serve` running?)" if endpoint_url else ""
        raise RemoteInvokeError(f"{e}{hint}") from None
    log_result = response.get("LogResult")
    logs = base64.b64decode(log_result).decode("utf-8", "replace") if log_result else ""
    return RemoteResult(
        payload=response["Payload"].read(),
        logs=logs,
        function_error=response.get("FunctionError"),
        executed_version=response.get("ExecutedVersion"),
        status=int(response.get("StatusCode", 200)),
    )


def check_json(data: bytes, where: str) -> bytes:
    try:
        json.loads(data)
    except ValueError as e:
        raise RemoteInvokeError(f"{where}: the event is not valid JSON: {e}") from None
    return data


def read_event(event: str | None, function: str, project_dir: Path) -> bytes:
    """The event for a deployed function: a JSON file, '-' for stdin, or the name of a sample
    event of the project's function with that name."""
    if event is None:
        return b"{}"
    if event == "-":
        return check_json(sys.stdin.buffer.read(), "<stdin>")
    path = Path(event).expanduser()
    if path.is_file():
        return check_json(path.read_bytes(), str(path))
    from lamina.project import ProjectError, load_project
    from lamina.project.events import find_event

    try:
        project = load_project(project_dir)
        spec = project.find(function)
        found = find_event(spec, project.root, event)
        return check_json(found.read_bytes(), str(found))
    except (ProjectError, OSError) as e:
        raise RemoteInvokeError(f"cannot find the event {event!r}: {e}") from None
