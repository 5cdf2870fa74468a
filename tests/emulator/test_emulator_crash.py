"""Crash safety: SIGKILL `lamina serve` during a loop of 100 UpdateFunctionCode calls, restart
it on the same data dir, and the function is at an old or a new code, complete, and runs."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

from emulator.harness import (
    ROLE,
    handler_zip,
    make_client,
    start_emulator,
    stored_code_keys,
    unique,
)
from lamina.deploy.package import code_sha256

UPDATES = 100


def test_sigkill_during_updates(tmp_path: Path) -> None:
    data = tmp_path / "data"
    packages = [handler_zip(i) for i in range(UPDATES + 1)]
    index_of = {code_sha256(p): i for i, p in enumerate(packages)}
    name = unique("crash")
    server = start_emulator(data)
    lam = make_client(server.endpoint, read_timeout=10)
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": packages[0]},
    )
    acknowledged: list[int] = [0]
    failed: list[int] = []

    def update_loop() -> None:
        for i in range(1, UPDATES + 1):
            try:
                lam.update_function_code(FunctionName=name, ZipFile=packages[i])
            except Exception:
                failed.append(i)
                return
            acknowledged.append(i)

    kill_after = random.randint(5, UPDATES // 2)
    loop = threading.Thread(target=update_loop)
    loop.start()
    deadline = time.monotonic() + 60
    while acknowledged[-1] < kill_after and loop.is_alive() and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(random.random() * 0.005)  # land anywhere in the next request
    server.kill()
    loop.join(30)
    assert failed or acknowledged[-1] == UPDATES, "the loop stopped because the server died"

    server = start_emulator(data)
    try:
        lam = make_client(server.endpoint)
        config = lam.get_function(FunctionName=name)["Configuration"]
        current = index_of[config["CodeSha256"]]
        last_ok = acknowledged[-1]
        # Every acknowledged update is durable; at most the one in flight may have landed too.
        assert last_ok <= current <= last_ok + 1, (last_ok, current)
        response = lam.invoke(FunctionName=name)
        assert json.loads(response["Payload"].read())["answer"] == current
        # No half-written leftovers, and only the current code is kept.
        assert not list((data / "code").glob(".tmp-*"))
        assert not list((data / "unpacked").glob(".tmp-*"))
        assert len(stored_code_keys(data)) == 1
        # It goes on working.
        lam.update_function_code(FunctionName=name, ZipFile=handler_zip("after"))
        assert json.loads(lam.invoke(FunctionName=name)["Payload"].read())["answer"] == "after"
    finally:
        server.stop()
