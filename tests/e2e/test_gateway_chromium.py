"""lamina api from a real browser: headless Chromium loads a page from another origin, which
calls an HTTP API (CORS preflight and credentials answered by the gateway), a REST API (whose
proxy answer has no CORS headers, so the browser blocks it, as on AWS) and a WebSocket chat."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from gateway.harness import ApiProcess
from ports import free_port

PAGE = Path(__file__).parent / "gateway_page"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_cors_and_websockets_from_a_page_on_another_origin(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    page_port = free_port()
    origin = f"http://127.0.0.1:{page_port}"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(PAGE))
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
        url = f"{origin}/index.html?api={shop.url}&ws={chat.url.replace('http', 'ws')}/Prod"
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--virtual-time-budget=20000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        dom = done.stdout
        result = json.loads(dom.split('<pre id="out">', 1)[1].split("</pre>", 1)[0])
    finally:
        pages.shutdown()
        shop.stop()
        chat.stop()
    assert result == {
        "http": "200 GET /v2/items/{id}",
        "rest": "blocked",
        "ws": "hello from chromium",
    }, done.stderr[-2000:]
    assert "OPTIONS /v2/items/7 204" in shop.stderr()  # the preflight, answered by the gateway
