"""Sync publishes a function's local layers (only when their content changed) and points the
function at the new versions: on a real `lamina serve`, and on moto server standing in for AWS."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import EmulatorProcess, handler_zip

from lamina.deploy.sync_errors import RetryPolicy
from lamina.deploy.sync_manager import SyncManager
from lamina.deploy.sync_settings import SyncSettings, SyncTarget
from lamina.deploy.sync_status import SyncState
from lamina.project import load_project
from sync.sync_harness import (
    ROLE_ARN,
    Recorder,
    offline_requirements,
    pure_wheel,
    write_project,
    zip_names,
)

APP = "import shared_util\n\ndef handler(event, context):\n    return shared_util.NAME\n"


def layered_project(root: Path, function_name: str, layer_name: Any = None) -> Path:
    (root / "hello").mkdir(parents=True)
    (root / "hello" / "app.py").write_text(APP)
    layer = root / "layers" / "shared" / "python"
    layer.mkdir(parents=True)
    (layer / "shared_util.py").write_text('NAME = "v1"\n')
    write_project(
        root,
        {"Hello": {"FunctionName": function_name, "Layers": [{"Ref": "SharedLayer"}]}},
    )
    template = json.loads((root / "template.yaml").read_text())
    template["Resources"]["SharedLayer"] = {
        "Type": "AWS::Serverless::LayerVersion",
        "Properties": {"ContentUri": "layers/shared/"},
    }
    if layer_name is not None:
        template["Resources"]["SharedLayer"]["Properties"]["LayerName"] = layer_name
    (root / "template.yaml").write_text(json.dumps(template, indent=2))
    return root


@pytest.fixture
async def managers() -> AsyncIterator[list[SyncManager]]:
    made: list[SyncManager] = []
    yield made
    for manager in made:
        await manager.close(stop_emulator=False)


def layer_arns(config: dict[str, Any]) -> list[str]:
    return [layer["Arn"] for layer in config.get("Layers", [])]


async def test_sync_publishes_a_changed_layer_to_the_emulator(
    tmp_path: Path,
    sync_emulator: EmulatorProcess,
    emulator_lambda: Any,
    managers: list[SyncManager],
) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}-"  # sync.namePrefix: unique on the shared emulator
    root = layered_project(tmp_path / "project", "hello")
    settings = SyncSettings(emulator_endpoint=sync_emulator.endpoint, name_prefix=prefix)
    manager = SyncManager(load_project(root), settings, Recorder())
    managers.append(manager)
    layer_name = prefix + "SharedLayer"

    first = await manager.sync("Hello")
    assert first.state is SyncState.DONE, first.message
    config = emulator_lambda.get_function_configuration(FunctionName=prefix + "hello")
    assert layer_arns(config) == [f"arn:aws:lambda:us-east-1:123456789012:layer:{layer_name}:1"]
    answer = emulator_lambda.invoke(FunctionName=prefix + "hello")["Payload"].read()
    assert json.loads(answer) == "v1"

    again = await manager.sync("Hello")  # nothing changed: no new layer version
    assert again.state is SyncState.DONE, again.message
    versions = emulator_lambda.list_layer_versions(LayerName=layer_name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [1]

    (root / "layers" / "shared" / "python" / "shared_util.py").write_text('NAME = "v2"\n')
    third = await manager.sync("Hello")
    assert third.state is SyncState.DONE, third.message
    assert "configuration updated" in (third.message or "")
    config = emulator_lambda.get_function_configuration(FunctionName=prefix + "hello")
    assert layer_arns(config)[0].endswith(f":layer:{layer_name}:2")
    answer = emulator_lambda.invoke(FunctionName=prefix + "hello")["Payload"].read()
    assert json.loads(answer) == "v2"

    # A new manager (an editor restarted) finds the layer unchanged on the emulator.
    fresh = SyncManager(load_project(root), settings, Recorder())
    managers.append(fresh)
    assert (await fresh.sync("Hello")).state is SyncState.DONE
    versions = emulator_lambda.list_layer_versions(LayerName=layer_name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]


async def test_sync_publishes_a_layer_to_aws(
    tmp_path: Path, moto_aws: Any, managers: list[SyncManager]
) -> None:
    lam = moto_aws.client("lambda")
    name = f"aws-{uuid.uuid4().hex[:10]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE_ARN,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("deployed")},
    )
    root = layered_project(tmp_path / "project", name)
    settings = SyncSettings(target=SyncTarget.AWS, region="us-east-1")
    manager = SyncManager(
        load_project(root), settings, Recorder(), retry=RetryPolicy(attempts=2, base_delay_s=0.01)
    )
    managers.append(manager)
    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    versions = lam.list_layer_versions(LayerName="SharedLayer")["LayerVersions"]
    assert len(versions) == 1
    config = lam.get_function_configuration(FunctionName=name)
    assert layer_arns(config) == [versions[0]["LayerVersionArn"]]

    again = await manager.sync("Hello")
    assert again.state is SyncState.DONE, again.message
    assert len(lam.list_layer_versions(LayerName="SharedLayer")["LayerVersions"]) == 1


async def test_sync_publishes_a_layer_under_its_layer_name(
    tmp_path: Path, moto_aws: Any, managers: list[SyncManager]
) -> None:
    """The template's LayerName is the name on AWS (the logical id only when it is unset)."""
    lam = moto_aws.client("lambda")
    name = f"aws-{uuid.uuid4().hex[:10]}"
    layer_name = f"shared-deps-{uuid.uuid4().hex[:6]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE_ARN,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("deployed")},
    )
    root = layered_project(tmp_path / "project", name, layer_name)
    settings = SyncSettings(target=SyncTarget.AWS, region="us-east-1")
    manager = SyncManager(
        load_project(root), settings, Recorder(), retry=RetryPolicy(attempts=2, base_delay_s=0.01)
    )
    managers.append(manager)
    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    versions = lam.list_layer_versions(LayerName=layer_name)["LayerVersions"]
    assert len(versions) == 1
    config = lam.get_function_configuration(FunctionName=name)
    assert layer_arns(config) == [versions[0]["LayerVersionArn"]]


def test_an_unusable_layer_name_falls_back_to_the_logical_id(tmp_path: Path) -> None:
    root = layered_project(tmp_path / "project", "hello", {"Fn::Sub": "${Missing}-deps"})
    project = load_project(root)
    (layer,) = project.functions["Hello"].layers
    assert layer.published_name == "SharedLayer"
    assert any("LayerName" in warning for warning in project.warnings)
    named = layered_project(tmp_path / "named", "hello", "arn:aws:lambda:us-east-1:1:layer:deps")
    (layer,) = load_project(named).functions["Hello"].layers
    assert layer.published_name == "deps"


async def test_a_mapped_arn_layer_reaches_the_emulator(
    tmp_path: Path,
    sync_emulator: EmulatorProcess,
    emulator_lambda: Any,
    managers: list[SyncManager],
) -> None:
    """The `layers` setting maps an AWS account's layer to a folder: lamina invoke runs it, and
    the emulator (which can't reach that account) gets the folder published in its place."""
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    arn = "arn:aws:lambda:us-east-1:210987654321:layer:company:7"
    root = tmp_path / "project"
    (root / "hello").mkdir(parents=True)
    (root / "hello" / "app.py").write_text(APP)
    company = root / "company" / "python"
    company.mkdir(parents=True)
    (company / "shared_util.py").write_text('NAME = "company"\n')
    write_project(
        root,
        {"Hello": {"Layers": [arn]}},
        pyproject=f'[tool.lamina.layers]\n"{arn}" = "{root / "company"}"\n',
    )
    settings = SyncSettings(emulator_endpoint=sync_emulator.endpoint, name_prefix=prefix)
    manager = SyncManager(load_project(root), settings, Recorder())
    managers.append(manager)
    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    config = emulator_lambda.get_function_configuration(FunctionName=prefix + "Hello")
    assert layer_arns(config) == [
        f"arn:aws:lambda:us-east-1:123456789012:layer:{prefix}company:1"  # sync.namePrefix too
    ]
    answer = emulator_lambda.invoke(FunctionName=prefix + "Hello")["Payload"].read()
    assert json.loads(answer) == "company"


async def test_a_build_method_layer_is_packaged_as_sam_builds_it(
    tmp_path: Path,
    sync_emulator: EmulatorProcess,
    emulator_lambda: Any,
    managers: list[SyncManager],
) -> None:
    """Metadata.BuildMethod: the folder and its installed requirements, both under python/."""
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    root = layered_project(tmp_path / "project", "hello")
    wheels = tmp_path / "wheels"
    pure_wheel(wheels, "layerdep", "1.0", {"layerdep.py": b"VALUE = 'from the wheel'\n"})
    offline_requirements(root / "layers" / "shared", wheels, "layerdep")
    (root / "layers" / "shared" / "helper.py").write_text("X = 1\n")
    (root / "hello" / "app.py").write_text(
        "import layerdep, helper\ndef handler(event, context):\n    return layerdep.VALUE\n"
    )
    template = json.loads((root / "template.yaml").read_text())
    template["Resources"]["SharedLayer"]["Metadata"] = {"BuildMethod": "python3.12"}
    (root / "template.yaml").write_text(json.dumps(template))
    settings = SyncSettings(emulator_endpoint=sync_emulator.endpoint, name_prefix=prefix)
    manager = SyncManager(load_project(root), settings, Recorder())
    managers.append(manager)
    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    arn = layer_arns(emulator_lambda.get_function_configuration(FunctionName=prefix + "hello"))[0]
    location = emulator_lambda.get_layer_version_by_arn(Arn=arn)["Content"]["Location"]
    with urllib.request.urlopen(location) as response:
        names = zip_names(response.read())
    assert {"python/helper.py", "python/layerdep.py", "python/requirements.txt"} <= set(names)
    answer = emulator_lambda.invoke(FunctionName=prefix + "hello")["Payload"].read()
    assert json.loads(answer) == "from the wheel"
