"""`lamina pull FUNCTION` as a user runs it: from `lamina serve` into a new project, then
`lamina invoke` on it, then `lamina sync` back under the same name; errors are one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from emulator.harness import ROLE, EmulatorProcess, clean_env, handler_zip, unique

from sync.sync_harness import ROLE_NAME

REAL_HOME = os.path.expanduser("~")  # before a fixture points HOME at the test's folder


def lamina(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "lamina", *args],
        capture_output=True,
        text=True,
        env={**clean_env(), **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def test_pull_from_the_emulator_run_it_and_sync_it_back(
    sync_emulator: EmulatorProcess, emulator_lambda: Any, tmp_path: Path
) -> None:
    name = unique("orders-api")
    emulator_lambda.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("deployed")},
        Timeout=7,
        MemorySize=256,
        Environment={"Variables": {"GREETING": "from the cloud"}},
        Description="orders",
    )
    out = lamina(
        "pull", name, "--target", "emulator", "--endpoint-url", sync_emulator.endpoint, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    project = tmp_path / name
    assert out.stdout.startswith(f"pulled {name} into {project}: ")
    template = yaml.safe_load((project / "template.yaml").read_text())
    (logical_id, resource) = next(iter(template["Resources"].items()))
    assert logical_id == "OrdersApi" + name.rsplit("-", 1)[1].capitalize()  # orders-api-<hex>
    assert resource["Properties"] == {
        "FunctionName": name,
        "CodeUri": "src/",
        "Handler": "app.handler",
        "Runtime": "python3.12",
        "Timeout": 7,
        "MemorySize": 256,
        "Architectures": ["x86_64"],
        "Description": "orders",
        "Environment": {"Variables": {"GREETING": "from the cloud"}},
    }
    assert (project / "src" / "app.py").read_text().count("ANSWER = 'deployed'") == 1

    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    run = lamina("invoke", logical_id, cwd=project, env=credentials)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert (answer["answer"], answer["greeting"], answer["memory"]) == (
        "deployed",
        "from the cloud",
        "256",
    )

    handler = project / "src" / "app.py"
    handler.write_text(handler.read_text().replace("'deployed'", "'edited locally'"))
    synced = lamina("sync", "--endpoint-url", sync_emulator.endpoint, cwd=project)
    assert synced.returncode == 0, synced.stderr
    result = emulator_lambda.invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(result["Payload"].read())["answer"] == "edited locally"


def test_pull_errors_are_one_line(sync_emulator: EmulatorProcess, tmp_path: Path) -> None:
    missing = lamina(
        "pull", "nope", "--target", "emulator", "--endpoint-url", sync_emulator.endpoint,
        cwd=tmp_path,
    )  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "nope" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    busy = lamina(
        "pull", "nope", "--target", "emulator", "--endpoint-url", sync_emulator.endpoint,
        "--to", "busy", cwd=tmp_path,
    )  # fmt: skip
    assert busy.returncode == 2
    assert (
        busy.stderr.strip()
        == f"error: {tmp_path / 'busy'} is not empty; pull into a new folder (--to)"
    )


def test_pull_from_aws_downloads_the_code_configuration_and_layers(
    moto_aws: Any, tmp_path: Path
) -> None:
    """moto server stands in for AWS (AWS_ENDPOINT_URL points every client at it). Its
    GetFunction answers with the code's Location in Lambda's own bucket on amazonaws.com, which
    moto doesn't serve, so the test puts the zip there in moto's S3, as Lambda keeps it; with
    S3 pointed at a local endpoint, Lamina reads the location from that endpoint and sends
    nothing to AWS's hosts. Then the pulled project runs, and syncs back."""
    name = unique("legacy")
    s3 = moto_aws.client("s3")
    code = handler_zip("in moto")
    s3.create_bucket(Bucket="uploads")
    s3.put_object(Bucket="uploads", Key=f"{name}.zip", Body=code)
    s3.create_bucket(Bucket="awslambda-us-east-1-tasks")  # where Lambda keeps function code
    s3.put_object(Bucket="awslambda-us-east-1-tasks", Key=f"{name}.zip", Body=code)
    aws_lambda = moto_aws.client("lambda")
    layer = aws_lambda.publish_layer_version(
        LayerName="shared-utils", Content={"ZipFile": handler_zip("layer")}
    )["LayerVersionArn"]
    role = moto_aws.client("iam").get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    aws_lambda.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"S3Bucket": "uploads", "S3Key": f"{name}.zip"},
        Timeout=9,
        MemorySize=512,
        Environment={"Variables": {"GREETING": "from moto"}},
        Layers=[layer],
    )
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_") or k == "HOME"}
    out = lamina("pull", name, "--region", "us-east-1", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    # moto answers GetLayerVersionByArn with a 500: the pull says so in one line and goes on.
    layer_lines = [line for line in out.stderr.splitlines() if layer in line]
    assert len(layer_lines) == 1 and "AWS refused GetLayerVersionByArn (" in layer_lines[0]
    project = tmp_path / name
    template = yaml.safe_load((project / "template.yaml").read_text())
    (logical_id, resource) = next(iter(template["Resources"].items()))
    properties = resource["Properties"]
    assert (properties["FunctionName"], properties["Timeout"], properties["MemorySize"]) == (
        name,
        9,
        512,
    )
    assert properties["Environment"] == {"Variables": {"GREETING": "from moto"}}
    assert properties["Layers"] == [layer]
    assert (project / "src" / "app.py").read_text().count("ANSWER = 'in moto'") == 1

    # The layer could not be fetched: the run says it goes without it (the layers setting
    # maps an ARN to a folder).
    run_env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    run_env |= {"HOME": REAL_HOME}
    run = lamina("invoke", logical_id, cwd=project, env=run_env)
    assert run.returncode == 0, run.stderr
    assert layer in run.stderr
    answer = json.loads(run.stdout)
    assert (answer["answer"], answer["greeting"], answer["memory"]) == (
        "in moto",
        "from moto",
        "512",
    )

    # Synced back to AWS under the same name: the edited code replaces the deployed one (moto
    # runs no code, so the new code is told by its hash, which sync prints).
    deployed = aws_lambda.get_function_configuration(FunctionName=name)["CodeSha256"]
    handler = project / "src" / "app.py"
    handler.write_text(handler.read_text().replace("'in moto'", "'edited locally'"))
    synced = lamina(
        "sync", "--target", "aws", cwd=project, env={**env, "AWS_DEFAULT_REGION": "us-east-1"}
    )
    assert synced.returncode == 0, synced.stderr
    now = aws_lambda.get_function_configuration(FunctionName=name)["CodeSha256"]
    assert now != deployed and now in synced.stdout


def test_pull_from_aws_when_the_code_cannot_be_fetched_is_one_line(
    moto_aws: Any, tmp_path: Path
) -> None:
    name = unique("gone")
    role = moto_aws.client("iam").get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    moto_aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("in moto")},
    )
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_") or k == "HOME"}
    out = lamina("pull", name, "--region", "us-east-1", cwd=tmp_path, env=env)
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: cannot download the code of {name}: s3://awslambda-")
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://awslambda-eu-west-1-tasks.s3.eu-west-1.amazonaws.com/snapshots/1/f-1a?X=1",
            ("awslambda-eu-west-1-tasks", "snapshots/1/f-1a"),
        ),
        ("https://b.s3-us-west-2.amazonaws.com/k%20x.zip", ("b", "k x.zip")),
        ("https://s3.cn-north-1.amazonaws.com.cn/b/dir/k.zip", ("b", "dir/k.zip")),
        ("http://127.0.0.1:9001/2015-03-31/functions/f/code", None),
    ],
)
def test_code_locations_on_s3_are_read_as_bucket_and_key(
    url: str, expected: tuple[str, str] | None
) -> None:
    from lamina.deploy.code_location import s3_object

    assert s3_object(url) == expected


def test_pull_downloads_the_layers_from_its_target_and_runs_use_them(
    sync_emulator: EmulatorProcess, emulator_lambda: Any, tmp_path: Path
) -> None:
    """The layer exists only in the emulator: after the pull, a run with no endpoint set
    (where an ARN would be asked of AWS) finds it in the cache the pull filled."""
    import io
    import zipfile

    from test_runtime_layers import HERE

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"python/lib/{HERE}/site-packages/company.py", "NAME = 'from layer'\n")
    arn = emulator_lambda.publish_layer_version(
        LayerName=unique("company"), Content={"ZipFile": buffer.getvalue()}
    )["LayerVersionArn"]
    name = unique("layered")
    emulator_lambda.create_function(
        FunctionName=name,
        Runtime=HERE,
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("layered")},
        Layers=[arn],
    )
    cache = {"LAMINA_CACHE_DIR": str(tmp_path / "cache")}
    out = lamina(
        "pull", name, "--target", "emulator", "--endpoint-url", sync_emulator.endpoint,
        cwd=tmp_path, env=cache,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"layer {arn}: in {tmp_path / 'cache' / 'layers' / 'arn'}" in out.stderr
    project = tmp_path / name
    logical_id = next(iter(yaml.safe_load((project / "template.yaml").read_text())["Resources"]))
    (project / "src" / "app.py").write_text(
        "import company\n\ndef handler(event, context):\n    return company.NAME\n"
    )
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    run = lamina("invoke", logical_id, cwd=project, env={**credentials, **cache})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == "from layer"
