"""The merged /opt, through the real CLI: a function's layers in one folder, a later layer's
file winning at the same path; read-only at /opt in the sandbox, absent without it (the layers
still import); an edit to a layer's file seen at the next invoke."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_runtime_layers import HERE, lamina

TEMPLATE = f"""\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  FirstLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/first/
  SecondLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/second/
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: {HERE}
      Layers:
        - !Ref FirstLayer
        - !Ref SecondLayer
"""
APP = """\
import os, which

def handler(event, context):
    def read(path):
        try:
            with open(path) as f:
                return f.read()
        except OSError as e:
            return type(e).__name__
    try:
        open("/opt/new.txt", "w").close()
        write = "written"
    except OSError as e:
        write = e.strerror
    return {
        "which": which.NAME,
        "config": read("/opt/config.json"),
        "only_first": read("/opt/first.txt"),
        "write": write,
        "opt_exists": os.path.isdir("/opt/python"),
    }
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    files = {
        "template.yaml": TEMPLATE,
        "src/app.py": APP,
        "layers/first/python/which.py": 'NAME = "first"\n',
        "layers/first/config.json": '{"from": "first"}',
        "layers/first/first.txt": "only in the first",
        "layers/second/python/which.py": 'NAME = "second"\n',
        "layers/second/config.json": '{"from": "second"}',
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_layers_merge_into_one_read_only_opt(project: Path) -> None:
    out = lamina("invoke", "Reader", cwd=project, extra_env={"LAMINA_SANDBOX": "1"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "which": "second",
        "config": '{"from": "second"}',
        "only_first": "only in the first",
        "write": "Read-only file system",
        "opt_exists": True,
    }
    (project / "layers" / "second" / "python" / "which.py").write_text('NAME = "edited"\n')
    again = lamina("invoke", "Reader", cwd=project, extra_env={"LAMINA_SANDBOX": "1"})
    assert json.loads(again.stdout)["which"] == "edited"


def test_without_the_sandbox_the_layers_still_import(project: Path) -> None:
    out = lamina("invoke", "Reader", cwd=project, extra_env={"LAMINA_SANDBOX": "0"})
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["which"] == "second"
    assert answer["opt_exists"] is Path("/opt/python").is_dir()  # the host's own /opt, if any
