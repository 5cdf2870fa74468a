"""Helpers for the sync tests: projects written to temp dirs, status recorders, pure wheels
made by hand (pip installs them offline), and a moto-backed AWS account."""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import io
import json
import textwrap
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.deploy.sync_errors import RetryPolicy
from lamina.deploy.sync_status import SyncState, SyncStatus

FAST_RETRY = RetryPolicy(attempts=2, base_delay_s=0.01)
ROLE_NAME = "lamina-sync-test"
ROLE_ARN = f"arn:aws:iam::123456789012:role/{ROLE_NAME}"

HANDLER = """\
import os

ANSWER = {answer!r}


def handler(event, context):
    return {{"answer": ANSWER, "greeting": os.environ.get("GREETING")}}
"""


def handler_source(answer: object) -> str:
    return HANDLER.format(answer=answer)


def write_project(
    root: Path,
    functions: dict[str, dict[str, Any]],
    pyproject: str = "",
) -> Path:
    """A SAM template with one function per entry: {logical id: {CodeUri, Handler, ...,
    "answer": the handler's answer}}. Each function's code dir gets app.py."""
    root.mkdir(parents=True, exist_ok=True)
    resources: dict[str, Any] = {}
    for logical_id, options in functions.items():
        options = dict(options)
        answer = options.pop("answer", "v1")
        code_uri = options.setdefault("CodeUri", f"{logical_id.lower()}/")
        options.setdefault("Handler", "app.handler")
        options.setdefault("Runtime", "python3.12")
        code_dir = root / code_uri
        code_dir.mkdir(parents=True, exist_ok=True)
        if not (code_dir / "app.py").exists():
            (code_dir / "app.py").write_text(handler_source(answer))
        resources[logical_id] = {"Type": "AWS::Serverless::Function", "Properties": options}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": resources,
    }
    (root / "template.yaml").write_text(json.dumps(template, indent=2))  # JSON is YAML
    if pyproject:
        (root / "pyproject.toml").write_text(textwrap.dedent(pyproject))
    return root


@dataclass
class Recorder:
    """Collects every SyncStatus; waits for states."""

    statuses: list[SyncStatus] = field(default_factory=list)
    hooks: list[Callable[[SyncStatus], None]] = field(default_factory=list)

    def __call__(self, status: SyncStatus) -> None:
        self.statuses.append(status)
        for hook in list(self.hooks):
            hook(status)

    def states(self, function: str) -> list[SyncState]:
        return [s.state for s in self.statuses if s.function == function]

    def count(self, state: SyncState) -> Counter[str]:
        return Counter(s.function for s in self.statuses if s.state is state)

    def finished(self, function: str) -> list[SyncStatus]:
        return [s for s in self.statuses if s.function == function and s.finished]

    def notified(self, function: str) -> list[SyncStatus]:
        return [s for s in self.statuses if s.function == function and s.notify]

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 30.0, what: str = "a state"
    ) -> None:
        """Poll `predicate` (statuses arrive on the loop); fail after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {self.statuses!r}")
            await asyncio.sleep(0.01)


def pure_wheel(folder: Path, name: str, version: str, modules: dict[str, bytes]) -> Path:
    """A py3-none-any wheel holding `modules` ({path in site-packages: bytes}), written by hand
    so that pip installs it with --no-index, and for any --platform."""
    dist = f"{name}-{version}.dist-info"
    files = dict(modules)
    files[f"{dist}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    )
    files[f"{dist}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: lamina-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([path, f"sha256={digest}", len(data)])
    writer.writerow([f"{dist}/RECORD", "", ""])
    files[f"{dist}/RECORD"] = record.getvalue().encode()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def offline_requirements(code_dir: Path, wheels: Path, *names: str) -> Path:
    """requirements.txt installing `names` from the local wheel folder only."""
    path = code_dir / "requirements.txt"
    path.write_text(f"--no-index\n--find-links {wheels}\n" + "".join(f"{n}\n" for n in names))
    return path


def zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def invoke_json(client: Any, name: str, qualifier: str | None = None) -> Any:
    params: dict[str, Any] = {"FunctionName": name}
    if qualifier:
        params["Qualifier"] = qualifier
    response = client.invoke(**params)
    return json.loads(response["Payload"].read())
