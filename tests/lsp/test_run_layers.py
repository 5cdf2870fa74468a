"""lamina.run with layers: a local layer and an ARN layer mapped by the `lamina.layers` setting,
merged into one /opt (a later layer's module wins), as `lamina invoke` runs them."""

from __future__ import annotations

from pathlib import Path

from lsp_harness import execute

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/shared/
  LayeredFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - !Ref SharedLayer
        - arn:aws:lambda:us-east-1:123456789012:layer:company:3
"""
APP = """\
import which, shared_only

def handler(event, context):
    return [which.NAME, shared_only.NAME]
"""


async def test_run_merges_local_and_mapped_layers(tmp_path: Path, start_client) -> None:
    root = tmp_path / "layered"
    files = {
        "template.yaml": TEMPLATE,
        "src/app.py": APP,
        "layers/shared/python/which.py": 'NAME = "shared"\n',
        "layers/shared/python/shared_only.py": 'NAME = "shared only"\n',
        "company/python/which.py": 'NAME = "company"\n',
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    arn = "arn:aws:lambda:us-east-1:123456789012:layer:company:3"
    client = await start_client(root, configuration={"layers": {arn: str(root / "company")}})
    result = await execute(client, "lamina.run", {"function": "LayeredFunction"})
    assert result["ok"] is True, result
    assert result["payload"] == ["company", "shared only"]  # the later layer's which.py wins


async def test_a_first_arn_layer_download_says_its_progress_in_the_log(
    tmp_path: Path, start_client
) -> None:
    """The ARN layer is downloaded from a real `lamina serve` (AWS_ENDPOINT_URL_LAMBDA) on the
    first run: its progress goes to the editor's log (window/logMessage)."""
    from emulator.harness import make_client, plain_zip, start_emulator

    server = start_emulator(tmp_path / "data")
    try:
        published = make_client(server.endpoint).publish_layer_version(
            LayerName="company",
            Content={"ZipFile": plain_zip({"python/which.py": b'NAME = "company"\n'})},
        )
        arn = published["LayerVersionArn"]
        root = tmp_path / "layered"
        files = {
            "template.yaml": TEMPLATE.replace(
                "arn:aws:lambda:us-east-1:123456789012:layer:company:3", arn
            ),
            "src/app.py": APP,
            "layers/shared/python/which.py": 'NAME = "shared"\n',
            "layers/shared/python/shared_only.py": 'NAME = "shared only"\n',
        }
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        env = {"AWS_ENDPOINT_URL_LAMBDA": server.endpoint, "LAMINA_CACHE_DIR": str(tmp_path / "c")}
        client = await start_client(root, env=env)
        result = await execute(client, "lamina.run", {"function": "LayeredFunction"})
        assert result["ok"] is True, result
        assert result["payload"] == ["company", "shared only"]
        size = published["Content"]["CodeSize"]
        said = [m.message for m in client.log_messages if arn in m.message]
        assert any(f"{size} B of {size} B (100 %)" in line for line in said), said
    finally:
        server.stop()
