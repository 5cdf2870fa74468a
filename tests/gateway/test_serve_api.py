"""`lamina serve --api`: the emulator and the project's API in one process."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import boto3
import pytest
import requests
from botocore.config import Config
from ports import free_port

from gateway.harness import APPS, ApiProcess

DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "lamina-test", "AWS_SECRET_ACCESS_KEY": "lamina-test"}


def template_functions(root: Path) -> set[str]:
    from lamina.project import load_project

    return {spec.function_name for spec in load_project(root).functions.values()}


@pytest.mark.parametrize("template_option", [False, True], ids=["in-the-folder", "with-t"])
def test_serve_with_api_answers_both(tmp_path: Path, template_option: bool) -> None:
    root = tmp_path / "shop"
    shutil.copytree(APPS / "shop", root)
    emulator_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log = (tmp_path / "serve.log").open("wb")
    # The template from another folder, as `-t` gives it to every command.
    where = ["-t", str(root / "template.yaml")] if template_option else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "serve", "--port", str(emulator_port),
         "--data-dir", str(tmp_path / "data"), "--api", "--api-port", str(api_port), *where],
        cwd=tmp_path if template_option else root, stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{api_port}/items/me", timeout=30)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.05)
        assert (answer.status_code, answer.text) == (200, "me")
        client = boto3.client(
            "lambda",
            endpoint_url=f"http://127.0.0.1:{emulator_port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"total_max_attempts": 1}),
        )
        # The template's functions are in the emulator too, under their names.
        names = {f["FunctionName"] for f in client.list_functions()["Functions"]}
        assert names == template_functions(root) and names
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "lamina api: serving" in output and f"http://127.0.0.1:{api_port}/items/me" in output


def wait_for_api(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=30)
            return
        except requests.ConnectionError:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)


async def test_connect_handler_invokes_a_function_that_answers_the_client(tmp_path: Path) -> None:
    """apigw-websocket-ack-connect-route's shape: $connect invokes another function of the
    template by its FunctionName (InvocationType Event); that one, run by the emulator, greets
    the client through PostToConnection over the API's HTTPS listener. A second one, named by
    `!Ref AuditFunction` in a variable (no FunctionName: its logical id here), answers too."""
    root = tmp_path / "ackconnect"
    shutil.copytree(APPS / "ackconnect", root)
    emulator_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "serve", "--port", str(emulator_port),
         "--data-dir", str(tmp_path / "data"), "--api", "--api-port", str(api_port)],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, env={**env, **DUMMY_CREDENTIALS},
    )  # fmt: skip
    try:
        wait_for_api(proc, api_port, log_path)
        async with aiohttp.ClientSession() as session:
            socket = await session.ws_connect(f"ws://127.0.0.1:{api_port}/prod")
            messages = []
            for _ in range(2):
                try:
                    messages.append(await asyncio.wait_for(socket.receive(), timeout=60))
                except asyncio.TimeoutError:
                    break
            await socket.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
    output = log_path.read_text()
    assert [m.type for m in messages] == [aiohttp.WSMsgType.TEXT] * 2, output
    audit, greeting = sorted(m.data for m in messages)
    assert audit == "audited" and re.fullmatch(r"hello \S+", greeting), output


def test_lamina_api_alone_says_where_lambda_calls_go(tmp_path: Path) -> None:
    """Under `lamina api` a handler's Lambda call goes to AWS (as with sam local start-api): the
    banner says so once, naming the functions no route runs and `lamina serve --api`."""
    api = ApiProcess("ackconnect", tmp_path)
    try:
        assert api.proc.stdout is not None
        note = api.proc.stdout.readline().decode()
    finally:
        api.stop()
    assert "$connect → OnConnectFunction" in "\n".join(api.banner)
    assert note.strip() == (
        "note: a handler's Lambda calls go to AWS, not to AuditFunction, "
        "PostToConnectionFunction here; `lamina serve --api` runs them in the emulator beside "
        "the API"
    )
