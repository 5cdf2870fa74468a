"""The real AWS CLI (the `awscli` package, v1) against `lamina serve`: create-function, invoke,
publish-version, create-alias and invoke --qualifier."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from emulator.harness import ROLE, EmulatorProcess, handler_zip, unique

AWS = str(Path(sys.executable).parent / "aws")


def aws(emulator: EmulatorProcess, home: Path, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    proc = subprocess.run(
        [AWS, "lambda", *args, "--endpoint-url", emulator.endpoint, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def test_aws_cli_round_trip(emulator: EmulatorProcess, tmp_path: Path) -> None:
    name = unique("cli")
    package = tmp_path / "function.zip"
    package.write_bytes(handler_zip("from the cli"))
    created = aws(
        emulator,
        tmp_path,
        "create-function",
        "--function-name", name,
        "--runtime", "python3.12",
        "--role", ROLE,
        "--handler", "app.handler",
        "--zip-file", f"fileb://{package}",
    )  # fmt: skip
    assert created["FunctionName"] == name and created["State"] == "Pending"  # as AWS answers

    # AWS CLI v1 sends --payload as given (v2 would need --cli-binary-format raw-in-base64-out).
    out = tmp_path / "out.json"
    meta = aws(
        emulator, tmp_path, "invoke", "--function-name", name, "--payload", '{"n": 1}', str(out)
    )
    assert meta == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
    result = json.loads(out.read_text())
    assert result["answer"] == "from the cli" and result["event"] == {"n": 1}

    version = aws(emulator, tmp_path, "publish-version", "--function-name", name)
    assert version["Version"] == "1"
    alias = aws(
        emulator,
        tmp_path,
        "create-alias",
        "--function-name", name,
        "--name", "live",
        "--function-version", "1",
    )  # fmt: skip
    assert alias["AliasArn"].endswith(f":{name}:live")

    meta = aws(
        emulator,
        tmp_path,
        "invoke",
        "--function-name", name,
        "--qualifier", "live",
        "--payload", '{"n": 2}',
        str(out),
    )  # fmt: skip
    assert meta["ExecutedVersion"] == "1"
    result = json.loads(out.read_text())
    assert result["version"] == "1" and result["arn"].endswith(f":{name}:live")
