"""`lamina serve` and `lamina invoke --endpoint-url` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from emulator.harness import EmulatorProcess, clean_env, free_port, handler_zip, unique


def lamina(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "lamina", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=cwd,
        input=stdin,
        timeout=60,
    )


def test_banner_and_one_line_per_invocation(
    emulator: EmulatorProcess, lam: Any, deploy: Any
) -> None:
    log = emulator.log()
    assert f"lamina serve: the Lambda API on {emulator.endpoint}" in log
    assert f"export AWS_ENDPOINT_URL_LAMBDA={emulator.endpoint}" in log
    assert f"aws lambda invoke --endpoint-url {emulator.endpoint} --function-name" in log
    assert str(emulator.data_dir) in log
    name = deploy()
    lam.invoke(FunctionName=name)
    lam.invoke(FunctionName=name, Payload=b'{"fail": true}')
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line for line in emulator.log().splitlines() if f" invoke {name}:" in line]
        if len(lines) == 2:
            break
        time.sleep(0.05)
    assert len(lines) == 2, lines
    assert " ok " in lines[0] and "(cold)" in lines[0]
    assert "error ValueError" in lines[1]


def test_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    result = lamina("serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "emulator.sqlite3").exists()


def test_port_in_use_is_one_line(emulator: EmulatorProcess, tmp_path: Path) -> None:
    result = lamina("serve", "--port", str(emulator.port), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: cannot listen on 127.0.0.1:")
    assert "Traceback" not in result.stderr


def test_lamina_invoke_endpoint_url(
    emulator: EmulatorProcess, lam: Any, deploy: Any, tmp_path: Path
) -> None:
    name = deploy("deployed")
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=handler_zip("newer"))
    event = tmp_path / "event.json"
    event.write_text('{"from": "file"}')
    result = lamina("invoke", name, "--endpoint-url", emulator.endpoint, "--event", str(event))
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["answer"] == "newer" and body["event"] == {"from": "file"}
    assert "START RequestId:" in result.stderr and "REPORT RequestId:" in result.stderr

    result = lamina("invoke", name, "--endpoint-url", emulator.endpoint, "--qualifier", "1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"] == "deployed"

    result = lamina(
        "invoke", name, "--endpoint-url", emulator.endpoint, "--event", "-", stdin='{"fail": 1}'
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["errorType"] == "ValueError"

    missing = unique("missing")
    result = lamina("invoke", missing, "--endpoint-url", emulator.endpoint)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: ResourceNotFoundException: Function not found: "
        f"arn:aws:lambda:us-east-1:123456789012:function:{missing}:$LATEST"
    ]
    closed = f"http://127.0.0.1:{free_port()}"
    result = lamina("invoke", name, "--endpoint-url", closed)
    assert result.returncode == 2 and "lamina serve" in result.stderr
    assert "Traceback" not in result.stderr


def test_invoke_endpoint_url_maps_a_logical_id_to_its_function_name(
    emulator: EmulatorProcess, deploy: Any, tmp_path: Path
) -> None:
    name = deploy("by logical id")
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 'local'\n")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  ItemsFunction:\n    Type: AWS::Serverless::Function\n"
        f"    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n      FunctionName: {name}\n"
    )
    result = lamina("invoke", "ItemsFunction", "--endpoint-url", emulator.endpoint, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"] == "by logical id"


def test_one_emulator_per_data_dir(emulator: EmulatorProcess) -> None:
    result = lamina("serve", "--port", "0", "--data-dir", str(emulator.data_dir))
    assert result.returncode == 2
    assert "in use by another lamina serve" in result.stderr
    assert "Traceback" not in result.stderr
