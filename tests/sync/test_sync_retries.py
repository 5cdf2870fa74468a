"""Throttling is retried with backoff: a real HTTP proxy in front of `lamina serve` answers 429
TooManyRequestsException to the first uploads, as Lambda does under load."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from emulator.harness import EmulatorProcess

from lamina.deploy.sync_errors import RetryPolicy
from lamina.deploy.sync_manager import SyncManager
from lamina.deploy.sync_settings import SyncSettings
from lamina.deploy.sync_status import SyncState
from lamina.project import load_project
from sync.sync_harness import Recorder, handler_source, invoke_json, write_project


class ThrottlingProxy:
    """Forwards everything to `upstream`, but answers 429 to the first `throttle` uploads."""

    def __init__(self, upstream: str, throttle: int) -> None:
        self.upstream = upstream
        self.remaining = throttle
        self.throttled = 0
        self.runner: web.AppRunner | None = None
        self.endpoint = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.method == "PUT" and request.path.endswith("/code") and self.remaining:
            self.remaining -= 1
            self.throttled += 1
            return web.json_response(
                {"Type": "User", "message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"},
                status=429,
                headers={"x-amzn-ErrorType": "TooManyRequestsException", "Retry-After": "0"},
            )
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, self.upstream + request.path_qs, data=body, headers=headers
            ) as answer,
        ):
            payload = await answer.read()
            keep = {
                k: v
                for k, v in answer.headers.items()
                if k.lower() not in ("content-length", "transfer-encoding", "content-encoding")
            }
            return web.Response(status=answer.status, body=payload, headers=keep)

    async def start(self) -> None:
        app = web.Application(client_max_size=100 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.endpoint = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def proxy(sync_emulator: EmulatorProcess) -> AsyncIterator[ThrottlingProxy]:
    throttling = ThrottlingProxy(sync_emulator.endpoint, throttle=0)
    await throttling.start()
    yield throttling
    await throttling.stop()


async def test_throttled_uploads_are_retried_with_backoff(
    tmp_path: Path, proxy: ThrottlingProxy, emulator_lambda: object
) -> None:
    name = f"retry-{uuid.uuid4().hex[:10]}"
    root = write_project(tmp_path / "p", {"Hello": {"FunctionName": name}})
    recorder = Recorder()
    manager = SyncManager(
        load_project(root),
        SyncSettings(emulator_endpoint=proxy.endpoint),
        recorder,
        retry=RetryPolicy(attempts=4, base_delay_s=0.01, throttle_factor=2),
    )
    try:
        assert (await manager.sync("Hello")).state is SyncState.DONE
        (root / "hello" / "app.py").write_text(handler_source("after-throttling"))
        proxy.remaining = 2
        status = await manager.sync("Hello")
        assert status.state is SyncState.DONE, status.message
        assert proxy.throttled == 2
        assert SyncState.FAILED not in recorder.states("Hello")
        assert invoke_json(emulator_lambda, name)["answer"] == "after-throttling"

        (root / "hello" / "app.py").write_text(handler_source("too-much"))
        proxy.remaining = 10  # more than the policy's attempts: reported, once
        failed = await manager.sync("Hello")
        assert failed.state is SyncState.FAILED and failed.notify
        assert "TooManyRequestsException" in (failed.message or "")
        assert proxy.throttled == 2 + 4
    finally:
        await manager.close()
