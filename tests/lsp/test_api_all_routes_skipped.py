"""lamina.startApi on a template whose API routes all belong to functions Lamina skips (a
nodejs function): one error that says why nothing is served, the language server going on, as
`lamina api` says it (issue 16)."""

from __future__ import annotations

from pathlib import Path

from lsp_harness import execute
from ports import free_port
from pygls.exceptions import JsonRpcException
from skipped_routes_template import NODE_ONLY_API


async def test_start_api_with_every_route_skipped_says_why(tmp_path: Path, start_client) -> None:
    (tmp_path / "template.yaml").write_text(NODE_ONLY_API)
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
