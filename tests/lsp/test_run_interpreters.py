"""lamina.run picks each function's interpreter from its template Runtime, as the CLI does."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from lsp_harness import execute

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  OldFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.9}
  NewFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}
  FutureFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.14}
"""
HANDLER = """\
import sys
def handler(event, context):
    return "%d.%d" % sys.version_info[:2]
"""


async def test_each_function_runs_on_its_runtimes_python(tmp_path: Path, start_client) -> None:
    versions = Path.home() / ".pyenv" / "versions"
    if not (list(versions.glob("3.9.*")) and list(versions.glob("3.12.*"))):
        pytest.skip("needs Python 3.9 and 3.12 under ~/.pyenv/versions")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    client = await start_client(tmp_path)
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for function, version in (
        ("OldFunction", "3.9"),
        ("NewFunction", "3.12"),
        ("FutureFunction", here),
    ):
        result = await execute(client, "lamina.run", {"function": function, "eventJson": {}})
        assert result["ok"] is True, result
        assert result["payload"] == version
    strict = await start_client(tmp_path, configuration={"strictRuntime": True})
    from pygls.exceptions import JsonRpcException

    with pytest.raises(JsonRpcException) as caught:
        await execute(strict, "lamina.run", {"function": "FutureFunction", "eventJson": {}})
    assert "no Python 3.14 was found" in caught.value.message
