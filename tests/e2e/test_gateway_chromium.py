"""lamina api from a real browser: headless Chromium loads a page from another origin, which
calls an HTTP API (CORS preflight and credentials answered by the gateway), a REST API (whose
proxy answer has no CORS headers, so the browser blocks it, as on AWS) and a WebSocket chat
with a Python client, each getting the other's message through PostToConnection."""

from __future__ import annotations

import asyncio
import functools
import http.server
import json
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import aiohttp
from gateway.harness import ApiProcess
from ports import free_port

PAGE = Path(__file__).parent / "gateway_page"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class PythonChatter:
    """A Python WebSocket client in the chat, on a thread of its own: it answers the page's
    message with its own, and keeps what it received."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.received: list[str] = []
        self.connected = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._chat()), daemon=True)
        self.thread.start()
        assert self.connected.wait(timeout=60), "the Python client could not connect"

    async def _chat(self) -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(self.url) as socket:
            self.connected.set()
            while len(self.received) < 2:
                message = await asyncio.wait_for(socket.receive(), timeout=90)
                if message.type is not aiohttp.WSMsgType.TEXT:
                    return
                self.received.append(str(message.data))
                if message.data == "hello from chromium":
                    await socket.send_str(
                        json.dumps({"action": "sendmessage", "data": "hello from python"})
                    )


def test_cors_and_websockets_from_a_page_on_another_origin(tmp_path: Path) -> None:
    # Under `make e2e` (LAMINA_E2E=1) a missing browser is a failure, never a skip:
    # the Makefile installs it through client-vscode/e2e/install.sh.
    assert CHROMIUM is not None, (
        "chromium is not installed: run `make e2e` (it runs client-vscode/e2e/install.sh) "
        "or `apt-get install chromium`"
    )
    page_port = free_port()
    origin = f"http://127.0.0.1:{page_port}"
    results: queue.Queue[str] = queue.Queue()

    class Pages(http.server.SimpleHTTPRequestHandler):
        def do_POST(self) -> None:  # the page posts its findings to /result
            length = int(self.headers.get("Content-Length", "0"))
            results.put(self.rfile.read(length).decode())
            self.send_response(204)
            self.end_headers()

    handler = functools.partial(Pages, directory=str(PAGE))
    pages = http.server.ThreadingHTTPServer(("127.0.0.1", page_port), handler)
    threading.Thread(target=pages.serve_forever, daemon=True).start()

    def allow_page_origin(root: Path) -> None:
        template = root / "template.yaml"
        template.write_text(template.read_text().replace("http://app.example", origin))

    def connections_file(root: Path) -> None:
        template = root / "template.yaml"
        text = template.read_text()
        template.write_text(text.replace("CONNECTIONS_FILE_PLACEHOLDER", str(tmp_path / "c.json")))

    shop = ApiProcess("shop", tmp_path, prepare=allow_page_origin)
    chat = ApiProcess(
        "chat", tmp_path, prepare=connections_file,
        env={"AWS_ACCESS_KEY_ID": "e2e", "AWS_SECRET_ACCESS_KEY": "e2e"},
    )  # fmt: skip
    try:
        socket_url = f"{chat.url.replace('http', 'ws')}/Prod"
        python = PythonChatter(socket_url)
        url = f"{origin}/index.html?api={shop.url}&ws={socket_url}"
        browser = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             f"--user-data-dir={tmp_path / 'profile'}", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            result = json.loads(results.get(timeout=90))
        except queue.Empty:
            raise AssertionError(
                f"no result\n{shop.stderr()[-1500:]}\n{chat.stderr()[-1500:]}"
            ) from None
        finally:
            browser.kill()
            browser.wait()
    finally:
        pages.shutdown()
        shop.stop()
        chat.stop()
    assert result == {
        "http": "200 GET /v2/items/{id}",
        "rest": "blocked",
        "ws": "hello from chromium",
        "wsFromPython": "hello from python",
    }
    python.thread.join(timeout=30)
    assert python.received == ["hello from chromium", "hello from python"]
    assert "OPTIONS /v2/items/7 204" in shop.stderr()  # the preflight, answered by the gateway
