"""Provisioned concurrency through boto3 against `lamina serve`: a config becomes READY only once
its environment has run the function's init, before any invoke, as on Lambda. AWS's answers to
the API itself are checked by the recorded suite (tests/emulator/recorded)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from emulator.harness import ROLE, raw_zip, unique, wait_until

# Init (module import) leaves a mark in a file, so the test sees when it ran.
HANDLER = b"""
import os, time
with open(os.environ["INIT_MARK"], "a") as mark:
    mark.write("init\\n")

def handler(event, context):
    return {"version": context.function_version}
"""


def test_ready_means_initialised_ahead(lam: Any) -> None:
    # Not under /tmp: environments get a private /tmp, as on Lambda.
    marks = Path(__file__).resolve().parents[2] / "build" / "test-marks"
    marks.mkdir(parents=True, exist_ok=True)
    mark = marks / f"{unique('init')}.log"
    name = unique("provisioned")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": raw_zip({"app.py": HANDLER})},
        Environment={"Variables": {"INIT_MARK": str(mark)}},
    )
    version = lam.publish_version(FunctionName=name)["Version"]
    assert not mark.exists()  # nothing ran yet
    put = lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    assert put["Status"] == "IN_PROGRESS" and put["RequestedProvisionedConcurrentExecutions"] == 1

    def ready() -> bool:
        config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
        return bool(config["Status"] == "READY")

    wait_until(ready)
    assert mark.read_text() == "init\n"  # initialised before any invoke
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)
    assert [c["FunctionArn"] for c in listed["ProvisionedConcurrencyConfigs"]] == [
        f"arn:aws:lambda:us-east-1:123456789012:function:{name}:{version}"
    ]
    answer = lam.invoke(FunctionName=name, Qualifier=version, Payload=b"{}")["Payload"].read()
    assert json.loads(answer) == {"version": version}
    assert mark.read_text() == "init\n"  # the invoke used that environment: no second init

    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
    assert (
        lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
        == []
    )


# Reports how it was initialised; init sleeps, so a kill during provisioning lands in it.
COUNTING = b"""
import os, time
with open(os.environ["INIT_MARK"], "a") as mark:
    mark.write(os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] + "\\n")
time.sleep(float(os.environ.get("INIT_SLEEP", "0")))
ENV = os.urandom(8).hex()  # names the environment: in the sandbox every runtime is pid 2

def handler(event, context):
    return {"type": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"], "env": ENV}
"""


def _counting_function(lam: Any, mark: Path, sleep: str = "0") -> tuple[str, str]:
    name = unique("provisioned")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": raw_zip({"app.py": COUNTING})},
        Environment={"Variables": {"INIT_MARK": str(mark), "INIT_SLEEP": sleep}},
    )
    return name, lam.publish_version(FunctionName=name)["Version"]


def _mark() -> Path:
    marks = Path(__file__).resolve().parents[2] / "build" / "test-marks"
    marks.mkdir(parents=True, exist_ok=True)
    return marks / f"{unique('init')}.log"


def _status(lam: Any, name: str, qualifier: str) -> str:
    config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
    return str(config["Status"])


def test_n_provisioned_environments_serve_without_init(tmp_path: Path) -> None:
    from emulator.harness import make_client, start_emulator

    server = start_emulator(tmp_path / "data")
    try:
        lam = make_client(server.endpoint)
        mark = _mark()
        name, version = _counting_function(lam, mark)
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=2
        )
        wait_until(lambda: _status(lam, name, version) == "READY")
        assert mark.read_text() == "provisioned-concurrency\n" * 2  # both inits ran ahead
        pids = set()
        for _ in range(3):
            got = lam.invoke(FunctionName=name, Qualifier=version, LogType="Tail")
            log = base64.b64decode(got["LogResult"]).decode()
            assert "REPORT RequestId" in log and "Init Duration" not in log, log
            answer = json.loads(got["Payload"].read())
            assert answer["type"] == "provisioned-concurrency"
            pids.add(answer["env"])
        assert mark.read_text() == "provisioned-concurrency\n" * 2  # no init since
        assert len(pids) == 1  # one at a time: a warm provisioned environment serves them
    finally:
        server.stop()


def test_provisioning_resumes_after_kill_9(tmp_path: Path) -> None:
    from emulator.harness import make_client, start_emulator

    data = tmp_path / "data"
    server = start_emulator(data)
    mark = _mark()
    try:
        lam = make_client(server.endpoint)
        name, version = _counting_function(lam, mark, sleep="3")
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1
        )
        wait_until(lambda: mark.exists())  # init is running
        assert _status(lam, name, version) == "IN_PROGRESS"
    finally:
        server.kill()
    server = start_emulator(data, port=server.port)
    try:
        lam = make_client(server.endpoint)
        # The stored config is intact and is provisioned again.
        assert _status(lam, name, version) in ("IN_PROGRESS", "READY")
        wait_until(lambda: _status(lam, name, version) == "READY")
        got = lam.invoke(FunctionName=name, Qualifier=version, LogType="Tail")
        assert "Init Duration" not in base64.b64decode(got["LogResult"]).decode()
        assert json.loads(got["Payload"].read())["type"] == "provisioned-concurrency"
    finally:
        server.stop()
