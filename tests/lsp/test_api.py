"""The API from the editor: lamina.startApi / stopApi over a real sample, route lenses in the
template and over the handler, and each request reported in the editor's output."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from lsp_harness import StartClient, execute, lenses, open_document, plain, wait_for
from ports import free_port
from pytest_lsp import LanguageClient


async def handler_route_lens(client: LanguageClient, root: Path) -> Any:
    """The arguments of the one `lamina.openRoute` lens over the sample's handler."""
    handler = root / "src" / "items_api.py"
    open_document(client, handler)
    route = [
        lens.command
        for lens in await lenses(client, handler)
        if lens.command and lens.command.command == "lamina.openRoute"
    ]
    assert len(route) == 1 and route[0].arguments is not None
    return route[0].arguments[0]


async def test_start_the_api_call_a_route_see_the_lenses_and_stop(
    sample: Callable[[str], Path], start_client: StartClient
) -> None:
    root = sample("http-api")
    client = await start_client(root)
    port = free_port()
    started = await execute(client, "lamina.startApi", {"port": port})
    assert started["url"] == f"http://127.0.0.1:{port}"
    assert [(r["routeKey"], r["function"]) for r in started["routes"]] == [
        ("ANY /{proxy+}", "ItemsFunction")
    ]
    # The editor's API view follows starts and stops through lamina/apiStatus.
    status = plain((await wait_for(lambda: client.api_statuses))[0])  # type: ignore[attr-defined]
    assert status == {"running": True, **started}

    response = await asyncio.to_thread(requests.get, started["url"] + "/items", timeout=60)
    assert response.status_code == 200, response.text
    await wait_for(
        lambda: any(
            "[api] GET /items 200 → ItemsFunction" in m.message for m in client.log_messages
        )
    )

    saved = await execute(client, "lamina.saveLastEvent", {"function": "ItemsFunction"})
    assert saved["event"] == "last-request-ItemsFunction"
    assert '"rawPath": "/items"' in Path(saved["path"]).read_text()

    template = root / "template.yaml"
    open_document(client, template)
    titles = {lens.command.title for lens in await lenses(client, template) if lens.command}
    assert "🌐 ▶ ANY /{proxy+}" in titles
    opened = await execute(client, "lamina.openRoute", await handler_route_lens(client, root))
    assert opened == {"url": f"http://127.0.0.1:{port}/{{proxy+}}"}
    # The editor (VS Code's capabilities) is asked to open it in the browser.
    shown = await wait_for(lambda: client.shown_documents)
    assert (shown[-1].uri, shown[-1].external) == (opened["url"], True)

    assert await execute(client, "lamina.stopApi", {}) == {"stopped": True}
    assert await execute(client, "lamina.stopApi", {}) == {"stopped": False}
    await wait_for(lambda: len(client.api_statuses) == 2)  # type: ignore[attr-defined]
    assert plain(client.api_statuses[1]) == {"running": False}  # type: ignore[attr-defined]
    try:
        await asyncio.to_thread(requests.get, started["url"] + "/items", timeout=5)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the API still answers after lamina.stopApi")


async def test_a_route_lens_starts_the_api_on_the_api_port_setting(
    sample: Callable[[str], Path], start_client: StartClient
) -> None:
    root = sample("http-api")
    port = free_port()
    client = await start_client(root, configuration={"api": {"port": port}})
    # The lens names no port: the API starts where Start API would start it, not on 3000.
    opened = await execute(client, "lamina.openRoute", await handler_route_lens(client, root))
    assert opened == {"url": f"http://127.0.0.1:{port}/{{proxy+}}"}
    response = await asyncio.to_thread(requests.get, f"http://127.0.0.1:{port}/items/1", timeout=60)
    assert response.status_code == 200 and response.json()["name"] == "Notebook", response.text
    assert await execute(client, "lamina.stopApi", {}) == {"stopped": True}


async def test_start_api_without_api_events_is_one_clear_error(
    tmp_path: Path, start_client: StartClient
) -> None:
    from lsp_harness import write_echo_project
    from pygls.exceptions import JsonRpcException

    root = write_echo_project(tmp_path / "echo")
    client = await start_client(root)
    try:
        await execute(client, "lamina.startApi", {"port": free_port()})
    except JsonRpcException as e:
        assert "template.yaml has no API events" in str(e)
    else:
        raise AssertionError("lamina.startApi started an API with no routes")
    # The server goes on: a second command still answers.
    assert await execute(client, "lamina.stopApi", {}) == {"stopped": False}


async def test_debug_a_functions_api_requests_from_the_editor(
    sample: Callable[[str], Path], start_client: StartClient
) -> None:
    import threading

    from dap_client import DapClient

    root = sample("http-api")
    client = await start_client(root)
    started = await execute(client, "lamina.startApi", {"port": free_port()})
    handler = root / "src" / "items_api.py"
    open_document(client, handler)
    offered = [
        lens
        for lens in await lenses(client, handler)
        if lens.command and lens.command.command == "lamina.debugApi"
    ]
    assert [list(lens.command.arguments or []) for lens in offered if lens.command] == [
        [{"function": "ItemsFunction"}]
    ]
    attach = await execute(client, "lamina.debugApi", {"function": "ItemsFunction"})
    port = attach["connect"]["port"]
    answers: list[requests.Response] = []
    caller = threading.Thread(
        target=lambda: answers.append(requests.get(started["url"] + "/items", timeout=120))
    )
    caller.start()
    ready = await wait_for(lambda: client.debug_ready, timeout=60)  # type: ignore[attr-defined]
    notified = plain(ready[0])
    assert notified["connect"] == {"host": "127.0.0.1", "port": port}
    line = next(
        n for n, text in enumerate(handler.read_text().splitlines(), 1) if "def handler(" in text
    )
    dap = await asyncio.to_thread(DapClient, port)
    try:
        await asyncio.to_thread(dap.attach, notified, {str(handler): [line + 1]})
        stopped, frames = await asyncio.to_thread(dap.stopped_frames)
        assert (stopped["reason"], frames[0]["line"]) == ("breakpoint", line + 1)
        await asyncio.to_thread(dap.resume, stopped["threadId"])
    finally:
        dap.close()
    await asyncio.to_thread(caller.join, 60)
    assert answers and answers[0].status_code == 200
    await execute(client, "lamina.stopApi", {})
