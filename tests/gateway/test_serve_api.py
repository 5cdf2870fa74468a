"""`lamina serve --api`: the emulator and the project's API in one process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from ports import free_port

from gateway.harness import APPS


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
        assert client.list_functions()["Functions"] == []
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "lamina api: serving" in output and f"http://127.0.0.1:{api_port}/items/me" in output
