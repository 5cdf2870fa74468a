"""What a function running in `lamina serve` sees: dummy credentials, never the developer's,
and AWS_ENDPOINT_URL_LAMBDA pointing back at the emulator (so one function can invoke another)."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.harness import make_client, start_emulator, unique
from emulator.test_emulator_async import deploy_source

SOURCE = """
import json, os

KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL_LAMBDA")

def handler(event, context):
    seen = {key: os.environ.get(key) for key in KEYS}
    if event.get("call"):
        import boto3
        answer = boto3.client("lambda").invoke(FunctionName=event["call"], Payload=b"{}")
        seen["called"] = json.loads(answer["Payload"].read())
    return seen
"""

DEVELOPER = {
    "AWS_ACCESS_KEY_ID": "AKIADEVELOPERKEY0000",
    "AWS_SECRET_ACCESS_KEY": "developer-secret",
    "AWS_SESSION_TOKEN": "developer-token",
    "AWS_PROFILE": "developer",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
}


def test_functions_get_dummy_credentials(tmp_path: Path) -> None:
    server = start_emulator(tmp_path / "data", env=DEVELOPER)
    try:
        lam = make_client(server.endpoint)
        first = deploy_source(lam, SOURCE, tmp_path, unique("env"))
        second = deploy_source(lam, SOURCE, tmp_path, unique("env"))
        response = lam.invoke(FunctionName=first, Payload=json.dumps({"call": second}).encode())
        seen = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, seen
        assert seen["AWS_ACCESS_KEY_ID"] == "LAMINALOCALACCESSKEY"
        assert seen["AWS_SECRET_ACCESS_KEY"] == "lamina-local-secret-access-key"
        assert seen["AWS_SESSION_TOKEN"] == "lamina-local-session-token"
        assert seen["AWS_PROFILE"] is None and seen["AWS_SHARED_CREDENTIALS_FILE"] is None
        assert seen["AWS_ENDPOINT_URL_LAMBDA"] == server.endpoint
        assert seen["called"]["AWS_ACCESS_KEY_ID"] == "LAMINALOCALACCESSKEY"
        for secret in DEVELOPER.values():
            assert secret not in json.dumps(seen)
    finally:
        server.stop()
