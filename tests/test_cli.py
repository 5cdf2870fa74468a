"""The `lamina` command as a user runs it: a real process, real environments, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HANDLER = """
import json, logging, os
logging.getLogger().setLevel(logging.INFO)
def handler(event, context):
    logging.info("got %s", json.dumps(event, sort_keys=True))
    if event.get("fail"):
        raise KeyError("missing")
    if event.get("sleep"):
        import time
        time.sleep(event["sleep"])
    return {
        "event": event,
        "memory": context.memory_limit_in_mb,
        "stage": os.environ.get("STAGE"),
        "table": os.environ.get("TABLE"),
        "key": os.environ.get("AWS_ACCESS_KEY_ID"),
        "token": bool(os.environ.get("AWS_SESSION_TOKEN")),
        "secret_seen": os.environ.get("AWS_SECRET_ACCESS_KEY"),
    }
"""

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables:
        STAGE: !Ref Stage
Resources:
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 256
      Environment:
        Variables:
          TABLE: !Sub "${Stage}-items"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src" / "events").mkdir(parents=True)
    (tmp_path / "src" / "app.py").write_text(textwrap.dedent(HANDLER))
    (tmp_path / "src" / "events" / "hello.json").write_text('{"name": "from events folder"}')
    (tmp_path / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    return tmp_path


def lamina(
    *args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update({"AWS_ACCESS_KEY_ID": "AKIADEVELOPER", "AWS_SECRET_ACCESS_KEY": "dev-secret"})
    base.update(env or {})
    out = subprocess.run(
        [sys.executable, "-m", "lamina", *args],
        cwd=cwd,
        input=stdin.encode() if stdin is not None else None,
        capture_output=True,
        env=base,
        timeout=120,
    )
    # Decoded by hand: text mode would turn the \r separators of Lambda's error lines into \n.
    return subprocess.CompletedProcess(
        out.args, out.returncode, out.stdout.decode(), out.stderr.decode()
    )


def test_invoke_template_function_with_named_event(project: Path) -> None:
    out = lamina("invoke", "ApiFunction", "--event", "hello", cwd=project)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["event"] == {"name": "from events folder"}
    assert (result["memory"], result["stage"], result["table"]) == ("256", "dev", "dev-items")
    assert "START RequestId: " in out.stderr and "END RequestId: " in out.stderr
    assert "\tInit Duration: " in out.stderr and "Memory Size: 256 MB" in out.stderr
    assert "[INFO]\t" in out.stderr and '\tgot {"name": "from events folder"}' in out.stderr
    # The developer's default credentials, with a one-line notice; never the secret in output.
    assert result["key"] == "AKIADEVELOPER"
    assert "lamina: using your default AWS credentials (environment)" in out.stderr
    assert "dev-secret" not in out.stderr


def test_invoke_bare_target_with_event_from_stdin(project: Path) -> None:
    out = lamina("invoke", "src/app.py:handler", "--event", "-", cwd=project, stdin='{"n": 1}')
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["event"] == {"n": 1}


def test_function_error_exits_1_with_the_error_json(project: Path) -> None:
    event = project / "fail.json"
    event.write_text('{"fail": true}')
    out = lamina("invoke", "ApiFunction", "--event", str(event), cwd=project)
    assert out.returncode == 1
    error = json.loads(out.stdout)
    assert (error["errorType"], error["errorMessage"]) == ("KeyError", "'missing'")
    assert "[ERROR] KeyError: 'missing'\rTraceback (most recent call last):" in out.stderr


def test_a_missing_handler_runs_and_fails_as_on_lambda_with_a_hint(project: Path) -> None:
    out = lamina("invoke", "src/app.py:missing", cwd=project)
    assert out.returncode == 1, out.stderr
    error = json.loads(out.stdout)
    assert (error["errorType"], error["errorMessage"]) == (
        "Runtime.HandlerNotFound",
        "Handler 'missing' missing on module 'app'",
    )
    app = project / "src" / "app.py"
    assert out.stderr.splitlines()[-1] == (
        f"lamina: hint: {app}: no top-level function 'missing' (handlers there: handler)"
    )


def test_overrides_timeout_memory_and_env_vars(project: Path) -> None:
    env_file = project / "env.json"
    env_file.write_text(
        json.dumps({"Parameters": {"STAGE": "prod"}, "ApiFunction": {"TABLE": "t1"}})
    )
    out = lamina(
        "invoke", "ApiFunction", "--env-vars", str(env_file), "--memory", "512", cwd=project
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["stage"], result["table"], result["memory"]) == ("prod", "t1", "512")

    slow = project / "slow.json"
    slow.write_text('{"sleep": 5}')
    out = lamina("invoke", "ApiFunction", "--event", str(slow), "--timeout", "0.5", cwd=project)
    assert out.returncode == 1
    assert json.loads(out.stdout)["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 0.50 seconds" in out.stderr


def test_awslambdaric_runtime_client(project: Path) -> None:
    out = lamina(
        "invoke", "ApiFunction", "--runtime-client", "awslambdaric", "--event", "hello", cwd=project
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["event"] == {"name": "from events folder"}


@pytest.mark.parametrize(
    "args,expected",
    [
        (["invoke", "Nope"], "error: unknown function 'Nope' (known: ApiFunction)"),
        (["invoke", "ApiFunction", "--event", "nosuch"], "error: "),
        (["events", "generate", "carrier-pigeon"], "error: Unknown event source 'carrier-pigeon'"),
        (
            ["invoke", "ApiFunction", "--python", "/no/such/python"],
            "error: cannot start the Python interpreter",
        ),
    ],
)
def test_user_errors_are_one_line(project: Path, args: list[str], expected: str) -> None:
    out = lamina(*args, cwd=project)
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(expected), lines[0]
    assert "Traceback" not in out.stderr


def test_bad_event_json_names_file_and_line(project: Path) -> None:
    bad = project / "bad.json"
    bad.write_text('{\n  "a": 1,\n  "b": oops\n}\n')
    out = lamina("invoke", "ApiFunction", "--event", str(bad), cwd=project)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        f"error: {bad}:3: the event is not valid JSON: Expecting value: line 3 column 8 (char 19)"
    )


def test_broken_template_names_file_and_line(project: Path) -> None:
    (project / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n   Properties: {}\n"
    )
    out = lamina("invoke", "Fn", cwd=project)
    assert out.returncode == 2
    line = out.stderr.strip()
    assert line.startswith(f"error: {project / 'template.yaml'}:4"), line
    assert "\n" not in line


def test_functions_lists_the_model(project: Path) -> None:
    out = lamina("functions", "--json", cwd=project)
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert row["logicalId"] == "ApiFunction"
    assert row["handler"] == "app.handler"
    assert row["handlerFile"] == "src/app.py:4"
    assert row["memorySize"] == 256 and row["timeout"] == 5
    assert row["events"] == ["hello"]
    table = lamina("functions", cwd=project)
    assert table.returncode == 0 and "ApiFunction" in table.stdout


def test_events_generate_and_list(project: Path) -> None:
    out = lamina("events", "generate", "sqs", "--set", "body=hello", cwd=project)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Records"][0]["body"] == "hello"
    listing = lamina("events", "list", cwd=project)
    assert listing.returncode == 0
    assert "apigateway-http" in listing.stdout and "hello" in listing.stdout


def test_assume_role_gives_the_handler_session_credentials(
    project: Path, moto_endpoint: str, tmp_path: Path
) -> None:
    role = "arn:aws:iam::123456789012:role/lamina-fn"
    env = {
        "AWS_ENDPOINT_URL_STS": moto_endpoint,
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    out = lamina("invoke", "ApiFunction", "--assume-role", role, cwd=project, env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["key"].startswith("ASIA") and result["token"]
    assert result["secret_seen"] and result["secret_seen"] != "dev-secret"
    assert result["secret_seen"] not in out.stderr
    assert "default AWS credentials" not in out.stderr

    denied = lamina("invoke", "ApiFunction", "--assume-role", "not-an-arn", cwd=project, env=env)
    assert denied.returncode == 2
    assert denied.stderr.startswith("error: cannot assume role not-an-arn")


def test_the_child_can_start_before_asyncio_loads() -> None:
    """lamina invoke spawns the function's environment before it imports asyncio, so that the
    function's init overlaps the rest of the CLI's start-up: keep asyncio off that path."""
    probe = (
        "import sys, lamina.commands.invoke, lamina.runtime.child_spawn, lamina.runtime.credentials;"
        "print(sorted(m for m in ('asyncio', 'boto3', 'botocore', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
