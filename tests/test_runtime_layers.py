"""Layers: local layer resources (with and without BuildMethod), Globals, !Ref, and ARN layers
mapped by the `layers` setting, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lamina.project.template import read_template

HERE = f"python{sys.version_info[0]}.{sys.version_info[1]}"
TEMPLATE = f"""\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: {HERE}
    Layers:
      - !Ref SharedLayer
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/shared/
  BuiltLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/built/
    Metadata:
      BuildMethod: {HERE}
  OverrideLayer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: layers/override/
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Layers:
        - !Ref BuiltLayer
        - !GetAtt OverrideLayer.Arn
        - arn:aws:lambda:us-east-1:123456789012:layer:company-utils:3
  PlainFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: plain.handler
"""
APP = """\
import shared_util, which, built_helper, company_utils
def handler(event, context):
    return [shared_util.NAME, which.NAME, built_helper.helper(), company_utils.NAME]
"""
PLAIN = """\
import os, importlib.util
def handler(event, context):
    return [importlib.util.find_spec(m) is not None for m in ("shared_util", "built_helper")]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    files = {
        "template.yaml": TEMPLATE,
        "src/app.py": APP,
        "src/plain.py": PLAIN,
        "layers/shared/python/shared_util.py": 'NAME = "shared"\n',
        "layers/shared/python/which.py": 'NAME = "shared"\n',
        "layers/override/python/which.py": 'NAME = "override"\n',
        "layers/built/built_helper.py": (
            "import six\ndef helper():\n    return 'built with ' + six.__name__\n"
        ),
        "layers/built/requirements.txt": "six\n",
        f"company/python/lib/{HERE}/site-packages/company_utils.py": 'NAME = "company"\n',
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def lamina(
    *args: str, cwd: Path, extra_env: dict[str, str] | None = None, credentials: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    if credentials:
        env.update({"AWS_ACCESS_KEY_ID": "AKIADEVELOPER", "AWS_SECRET_ACCESS_KEY": "dev-secret"})
    else:  # none anywhere: no files, no instance metadata
        env.update(
            {
                "AWS_SHARED_CREDENTIALS_FILE": str(cwd / "no-credentials"),
                "AWS_CONFIG_FILE": str(cwd / "no-config"),
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
    env["LAMINA_CACHE_DIR"] = env.get("LAMINA_CACHE_DIR") or str(cwd / ".user-cache")
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "lamina", *args],
        cwd=cwd,
        input="{}",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_the_template_reads_layers_in_order(project: Path) -> None:
    functions = {
        spec.logical_id: spec for spec in read_template(project / "template.yaml").functions
    }
    hello = functions["HelloFunction"].layers
    assert [layer.name for layer in hello] == [
        "SharedLayer",  # Globals first, then the function's own
        "BuiltLayer",
        "OverrideLayer",
        "arn:aws:lambda:us-east-1:123456789012:layer:company-utils:3",
    ]
    assert hello[1].build_method == HERE and hello[1].content_dir == project / "layers" / "built"
    assert hello[3].arn and hello[3].content_dir is None
    assert [layer.name for layer in functions["PlainFunction"].layers] == ["SharedLayer"]


def test_layers_import_and_a_later_layer_wins(project: Path) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:layer:company-utils:3"
    (project / "pyproject.toml").write_text(
        f'[tool.lamina.layers]\n"{arn}" = "{project / "company"}"\n'
    )
    out = lamina("invoke", "HelloFunction", cwd=project)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["shared", "override", "built with six", "company"]
    plain = lamina("invoke", "PlainFunction", cwd=project)
    assert json.loads(plain.stdout) == [True, False]


def test_an_unmapped_arn_layer_is_said_and_its_import_fails_as_on_lambda(project: Path) -> None:
    out = lamina("invoke", "HelloFunction", cwd=project, credentials=False)
    assert out.returncode == 1
    arn = "arn:aws:lambda:us-east-1:123456789012:layer:company-utils:3"
    assert (
        f"lamina: warning: HelloFunction: layer {arn}: no AWS credentials to download it with: "
        f'map it to a folder in the layers setting ("layers": {{"{arn}": "path/to/layer"}}), '
        "or configure AWS credentials that may read it" in out.stderr
    )
    error = json.loads(out.stdout)
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"] == "Unable to import module 'app': No module named 'company_utils'"


POWERTOOLS_TEMPLATE = f"""\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: {HERE}
      Layers:
        - !Sub arn:aws:lambda:${{AWS::Region}}:017000801446:layer:AWSLambdaPowertoolsPythonV3-{HERE.replace(".", "")}-x86_64:7
"""
POWERTOOLS_APP = """\
import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import BaseModel
logger = Logger(service="orders")
class Order(BaseModel):
    id: int
@logger.inject_lambda_context
def lambda_handler(event, context):
    logger.info("hello")
    return {"order": Order(id=event["id"]).id, "boto3_from": boto3.__file__}
"""


def test_the_powertools_layer_comes_from_pypi_then_works_offline(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(POWERTOOLS_APP)
    (tmp_path / "template.yaml").write_text(POWERTOOLS_TEMPLATE)

    def run(**env: str) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return subprocess.run(
            [sys.executable, "-m", "lamina", "invoke", "HelloWorldFunction", "--event", "-"],
            cwd=tmp_path,
            input='{"id": 7}',
            capture_output=True,
            text=True,
            env={**base, **env},
            timeout=600,
        )

    first = run()  # from PyPI the first time on a machine, then from ~/.cache/lamina/layers
    assert first.returncode == 0, first.stderr
    # No package index at all now: the cached layer is enough.
    offline = run(PIP_INDEX_URL="http://127.0.0.1:9/simple", PIP_NO_INDEX="1")
    assert offline.returncode == 0, offline.stderr
    body = json.loads(offline.stdout)
    assert body["order"] == 7
    assert "/runtime/" in body["boto3_from"]  # the runtime's boto3, not a copy from the layer
    assert '"service":"orders"' in offline.stderr and '"message":"hello"' in offline.stderr
