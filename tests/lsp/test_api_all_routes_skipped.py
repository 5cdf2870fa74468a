"""lamina.startApi on a template whose API routes all belong to functions Lamina skips (a
nodejs function): one error that says why nothing is served, the language server going on, as
`lamina api` says it (issue 16)."""

from __future__ import annotations

from pathlib import Path

from lsp_harness import execute
from ports import free_port
from pygls.exceptions import JsonRpcException

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: nodejs20.x
      Events:
        Hello: {Type: Api, Properties: {Path: /hello, Method: get}}
"""


async def test_start_api_with_every_route_skipped_says_why(tmp_path: Path, start_client) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    client = await start_client(tmp_path)
    try:
        await execute(client, "lamina.startApi", {"port": free_port()})
    except JsonRpcException as e:
        message = str(e)
    else:
        raise AssertionError("lamina.startApi started an API with no routes")
    assert "nothing to serve: the 1 API route(s) of template.yaml are all skipped" in message
    assert "function NodeFunction is not one Lamina runs here" in message
    assert "has no API events" not in message
    assert await execute(client, "lamina.stopApi", {}) == {"stopped": False}  # still serving
