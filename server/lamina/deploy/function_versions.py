"""After a deploy: publish a version of the function and point an alias at it (created when
missing, moved only when it points elsewhere). Which aliases are protected is the caller's rule
(FunctionDeployer refuses them before it deploys).

Blocking (boto3): run it in a thread, as FunctionDeployer runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lamina.deploy.sync_errors import SyncError

# (boto3 method, what to call it in errors, parameters) -> its answer, retried as sync retries.
Call = Callable[..., Any]


def publish_version(call: Call, lam: Any, name: str, code_sha256: str) -> str:
    """The new version's number. CodeSha256 makes the service refuse it if $LATEST moved."""
    published = call(
        lam.publish_version,
        f"{name}: PublishVersion",
        FunctionName=name,
        CodeSha256=code_sha256,
    )
    return str(published["Version"])


def point_alias(call: Call, lam: Any, name: str, alias: str, version: str) -> None:
    try:
        current = call(lam.get_alias, f"{name}: GetAlias", FunctionName=name, Name=alias)
    except SyncError as e:
        if e.code != "ResourceNotFoundException":
            raise
        method, action = lam.create_alias, "CreateAlias"
    else:
        if current.get("FunctionVersion") == version:
            return
        method, action = lam.update_alias, "UpdateAlias"
    call(method, f"{name}: {action}", FunctionName=name, Name=alias, FunctionVersion=version)
