"""ARN layers downloaded with the user's credentials (GetLayerVersionByArn, then its
Content.Location), cached by ARN and used offline afterwards: against a real `lamina serve`
and moto server, through the real CLI."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from emulator.harness import make_client, start_emulator
from test_runtime_layers import HERE, lamina

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  UsesLayer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: {runtime}
      Layers:
        - {arn}
"""
APP = "import company_utils\ndef handler(event, context):\n    return company_utils.NAME\n"


def layer_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"python/lib/{HERE}/site-packages/company_utils.py", 'NAME = "company"\n')
    return buffer.getvalue()


def write_project(root: Path, arn: str) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(APP)
    (root / "template.yaml").write_text(TEMPLATE.format(runtime=HERE, arn=arn))
    return root


def test_an_arn_layer_is_downloaded_once_then_used_offline(tmp_path: Path) -> None:
    server = start_emulator(tmp_path / "data")
    try:
        published: dict[str, Any] = make_client(server.endpoint).publish_layer_version(
            LayerName="company-utils", Content={"ZipFile": layer_zip()}
        )
        arn = published["LayerVersionArn"]
        project = write_project(tmp_path / "project", arn)
        cache = tmp_path / "user-cache"
        env = {"AWS_ENDPOINT_URL_LAMBDA": server.endpoint, "LAMINA_CACHE_DIR": str(cache)}
        # A local endpoint gets dummy credentials: none are configured, and none are needed.
        first = lamina("invoke", "UsesLayer", cwd=project, extra_env=env, credentials=False)
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout) == "company"
        assert f"layer {arn}: downloading it once" in first.stderr
        # Its progress, bytes of the total, ends at 100 % (stderr is not a terminal here).
        size = published["Content"]["CodeSize"]
        assert f"lamina: layer {arn}: {size} B of {size} B (100 %)" in first.stderr
    finally:
        server.stop()
    # The emulator is gone: the cached layer serves, with no download and no credentials.
    again = lamina("invoke", "UsesLayer", cwd=project, extra_env=env, credentials=False)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == "company"
    assert "downloading" not in again.stderr and "%" not in again.stderr
    assert list(cache.glob("layers/arn/*/*/company-utils/1/python/lib/*/site-packages/*.py"))


def test_a_layer_aws_refuses_is_one_clear_line(tmp_path: Path, moto_endpoint: str) -> None:
    """moto server stands in for AWS. It refuses GetLayerVersionByArn (a 500, for a layer it
    has and for one it hasn't; its GetLayerVersion's Location is `s3://`, no URL either), so
    this is the path where AWS says no: said once, naming the ARN and the ways out; the
    function runs without the layer and fails as it would on Lambda."""
    import boto3

    client = boto3.client(
        "lambda",
        region_name="us-east-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="AKIADEVELOPER",
        aws_secret_access_key="dev-secret",
    )
    real = client.publish_layer_version(LayerName="moto-layer", Content={"ZipFile": layer_zip()})
    env = {"AWS_ENDPOINT_URL_LAMBDA": moto_endpoint, "LAMINA_CACHE_DIR": str(tmp_path / "c")}
    missing = real["LayerArn"].replace("moto-layer", "not-there") + ":7"
    for arn, expected in (
        (missing, "AWS refused GetLayerVersionByArn ("),
        (real["LayerVersionArn"], "AWS refused GetLayerVersionByArn ("),
    ):
        project = write_project(tmp_path / arn.rsplit(":", 2)[1], arn)
        out = lamina("invoke", "UsesLayer", cwd=project, extra_env=env)
        assert out.returncode == 1
        warnings = [line for line in out.stderr.splitlines() if arn in line]
        assert len(warnings) == 1 and expected in warnings[0], out.stderr
        assert "map it to a folder in the layers setting" in warnings[0]
        assert json.loads(out.stdout)["errorType"] == "Runtime.ImportModuleError"


def test_a_big_download_says_its_progress_at_each_tenth() -> None:
    from lamina.deploy.download_progress import DownloadProgress

    lines: list[str] = []
    progress = DownloadProgress("layer x", lines.append)
    total = 25 * (1 << 20)
    for received in range(1 << 20, total + 1, 1 << 20):  # 1 MB chunks, as the downloader reads
        progress(received, total)
    progress(total, total, done=True)
    percents = [int(line.rsplit("(", 1)[1].split()[0]) for line in lines]
    assert percents[:3] == [4, 12, 20] and percents[-2:] == [92, 100]  # the end said once
    assert all(b - a >= 8 for a, b in zip(percents, percents[1:], strict=False))
    assert lines[-1] == "layer x: 26.2 MB of 26.2 MB (100 %)"
    unknown: list[str] = []
    progress = DownloadProgress("layer y", unknown.append)
    for received in range(1 << 20, 25 * (1 << 20) + 1, 1 << 20):
        progress(received, 0)
    assert unknown == ["layer y: 1.0 MB", "layer y: 11.5 MB", "layer y: 22.0 MB"]


def test_on_a_terminal_the_progress_is_one_line_rewritten() -> None:
    from lamina.deploy.download_progress import DownloadProgress

    written: list[str] = []
    progress = DownloadProgress("layer z", written.append, live=True)
    total = 3 * (1 << 20)
    for received in (1 << 20, 2 << 20, total):
        progress(received, total)
    progress(total, total, done=True)
    assert all(text.startswith("\r") and "\n" not in text for text in written[:-1])
    assert len(written) == 4 and written[-1] == "\rlayer z: 3.1 MB of 3.1 MB (100 %)\n"
