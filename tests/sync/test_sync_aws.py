"""Sync to AWS, with moto server (a separate process) standing in for it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from lamina.deploy.sync_status import SyncState
from lamina.project import load_project
from sync.sync_harness import ROLE_ARN, handler_source, write_project


def unique(prefix: str = "aws") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


async def test_updates_an_existing_function_and_skips_unchanged_code(
    tmp_path: Path, lam: Any, existing: Any, aws_manager: Any
) -> None:
    name = existing()
    root = write_project(tmp_path / "p", {"Hello": {}})
    manager, _ = aws_manager(root, functions={"Hello": name})
    assert not manager.auto_sync  # AWS: no deploy on save unless asked for
    assert manager.on_saved(str(root / "hello" / "app.py")) == []

    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    assert status.message == "code updated"  # the configuration already matched
    config = lam.get_function_configuration(FunctionName=name)
    assert config["CodeSha256"] == status.code_sha256

    again = await manager.sync("Hello")
    assert again.message == "code unchanged"
    assert (
        lam.get_function_configuration(FunctionName=name)["LastModified"] == config["LastModified"]
    )

    (root / "hello" / "app.py").write_text(handler_source("v2"))
    third = await manager.sync("Hello")
    assert third.message == "code updated" and third.code_sha256 != status.code_sha256
    assert lam.get_function_configuration(FunctionName=name)["CodeSha256"] == third.code_sha256


async def test_template_environment_changes_update_the_configuration(
    tmp_path: Path, lam: Any, existing: Any, aws_manager: Any
) -> None:
    name = existing(
        Environment={"Variables": {"GREETING": "old", "TABLE": "real-table-name"}},
        Timeout=3,
        MemorySize=128,
    )
    spec: dict[str, Any] = {
        "Environment": {"Variables": {"GREETING": "new", "TABLE": {"Ref": "Table"}}}
    }
    root = write_project(tmp_path / "p", {"Hello": spec})
    (root / "hello" / "app.py").write_bytes(b"")
    manager, _ = aws_manager(root, functions={"Hello": name})
    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    assert "configuration updated" in (status.message or "")
    variables = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    # TABLE is a placeholder locally (${Ref:Table}): the deployed value is kept.
    assert variables == {"GREETING": "new", "TABLE": "real-table-name"}

    spec["Environment"]["Variables"]["GREETING"] = "newer"
    spec["MemorySize"] = 512
    write_project(root, {"Hello": spec})
    assert manager.set_project(load_project(root)) == ["Hello"]
    status = await manager.sync("Hello")
    assert "configuration updated" in (status.message or "")
    config = lam.get_function_configuration(FunctionName=name)
    assert config["Environment"]["Variables"]["GREETING"] == "newer"
    assert config["MemorySize"] == 512


async def test_publish_and_move_an_alias_but_never_a_protected_one(
    tmp_path: Path, lam: Any, existing: Any, aws_manager: Any
) -> None:
    name = existing()
    root = write_project(tmp_path / "p", {"Hello": {}})
    manager, _ = aws_manager(root, functions={"Hello": name}, publish=True, alias="dev")
    first = await manager.sync("Hello")
    assert first.state is SyncState.DONE, first.message
    assert first.version is not None
    assert lam.get_alias(FunctionName=name, Name="dev")["FunctionVersion"] == first.version

    (root / "hello" / "app.py").write_text(handler_source("v2"))
    second = await manager.sync("Hello")
    assert second.version is not None and int(second.version) > int(first.version)
    assert lam.get_alias(FunctionName=name, Name="dev")["FunctionVersion"] == second.version
    assert second.to_payload()["version"] == second.version

    before = lam.get_function_configuration(FunctionName=name)["CodeSha256"]
    (root / "hello" / "app.py").write_text(handler_source("v3"))
    guarded, recorder = aws_manager(root, functions={"Hello": name}, alias="prod")
    refused = await guarded.sync("Hello")
    assert refused.state is SyncState.FAILED and refused.notify
    assert "'prod' is protected" in (refused.message or "")
    assert lam.get_function_configuration(FunctionName=name)["CodeSha256"] == before
    assert recorder.states("Hello") == [SyncState.PACKAGING, SyncState.FAILED]


async def test_an_unmapped_function_is_refused_once_and_recovers_when_mapped(
    tmp_path: Path, lam: Any, existing: Any, aws_manager: Any
) -> None:
    name = existing()
    root = write_project(tmp_path / "p", {"Hello": {}})
    manager, recorder = aws_manager(root)
    for _ in range(3):
        status = await manager.sync("Hello")
        assert status.state is SyncState.FAILED
        assert "Hello is not mapped to a function on AWS" in (status.message or "")
    assert [s.notify for s in recorder.finished("Hello")] == [True, False, False]
    assert name in {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert "Hello" not in {f["FunctionName"] for f in lam.list_functions()["Functions"]}

    manager.update_settings(manager.settings.replace(functions={"Hello": name}))
    fixed = await manager.sync("Hello")
    assert fixed.state is SyncState.DONE and fixed.notify and "recovered" in (fixed.message or "")


async def test_a_missing_function_is_never_created_on_aws(
    tmp_path: Path, lam: Any, aws_manager: Any
) -> None:
    missing = unique("missing")
    root = write_project(tmp_path / "p", {"Hello": {}})
    manager, _ = aws_manager(root, functions={"Hello": missing})
    status = await manager.sync("Hello")
    assert status.state is SyncState.FAILED
    assert "does not exist" in (status.message or "") and "never creates" in (status.message or "")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=missing)


async def test_names_come_from_the_cloudformation_stack(
    tmp_path: Path, moto_aws: Any, lam: Any, aws_manager: Any
) -> None:
    stack = unique("stack")
    cloudformation = moto_aws.client("cloudformation")
    template = {
        "Resources": {
            "Hello": {  # moto has no SAM transform: a plain AWS::Lambda::Function
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "app.handler",
                    "Role": ROLE_ARN,
                    "Code": {"ZipFile": "def handler(event, context):\n    return 'stack'\n"},
                },
            }
        }
    }
    cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    resources = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    physical = next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == "Hello")
    assert physical != "Hello"

    root = write_project(tmp_path / "p", {"Hello": {}})
    (root / "samconfig.toml").write_text(
        f'version = 0.1\n[default.deploy.parameters]\nstack_name = "{stack}"\n'
    )
    manager, _ = aws_manager(root)  # the stack name comes from samconfig.toml
    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    assert lam.get_function_configuration(FunctionName=physical)["CodeSha256"] == status.code_sha256

    other, _ = aws_manager(root, stack_name=unique("no-such-stack"))
    refused = await other.sync("Hello")
    assert refused.state is SyncState.FAILED and "does not exist" in (refused.message or "")


async def test_a_package_over_50_mb_goes_through_s3(
    tmp_path: Path, moto_aws: Any, lam: Any, existing: Any, aws_manager: Any
) -> None:
    name = existing()
    root = write_project(tmp_path / "p", {"Hello": {}})
    (root / "hello" / "model.bin").write_bytes(os.urandom(50 * 1024 * 1024 + 256 * 1024))

    without, _ = aws_manager(root, functions={"Hello": name})
    refused = await without.sync("Hello")
    assert refused.state is SyncState.FAILED and "sync.s3Bucket" in (refused.message or "")

    bucket = unique("bucket")
    moto_aws.client("s3").create_bucket(Bucket=bucket)
    manager, _ = aws_manager(root, functions={"Hello": name}, s3_bucket=bucket)
    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    assert lam.get_function_configuration(FunctionName=name)["CodeSha256"] == status.code_sha256
    keys = [o["Key"] for o in moto_aws.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    digest = base64.b64decode(status.code_sha256 or "").hex()
    assert keys == [f"lamina/{name}/{digest}.zip"]
