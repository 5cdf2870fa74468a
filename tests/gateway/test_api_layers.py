"""`lamina api` runs a function with its layers, as `lamina invoke` does (the merged /opt)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from gateway.harness import ApiProcess

HANDLER = """\
import json, shared_util

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"from": shared_util.NAME})}
"""
LAYERED = """
      Layers:
        - !Ref SharedLayer
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/shared/
"""


def add_layer(root: Path) -> None:
    template = root / "template.yaml"
    template.write_text(template.read_text().rstrip("\n") + LAYERED)
    (root / "src" / "app.py").write_text(HANDLER)
    layer = root / "layers" / "shared" / "python"
    layer.mkdir(parents=True)
    (layer / "shared_util.py").write_text('NAME = "the layer"\n')


def test_an_api_function_imports_from_its_layer(tmp_path: Path) -> None:
    api = ApiProcess("http_only", tmp_path, prepare=add_layer)
    try:
        with urllib.request.urlopen(f"{api.url}/hello", timeout=30) as response:
            assert json.loads(response.read()) == {"from": "the layer"}
    finally:
        api.stop()
