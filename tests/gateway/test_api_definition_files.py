"""`lamina api` on REST APIs defined in files: a `DefinitionUri` OpenAPI file (whose integration
URIs are literal ARNs, as SAM runs no intrinsics there) and an `AWS::Include`; the integration
timeout an OpenAPI operation sets (504, and paused while a debugger holds the function); and
`--warm`, which runs every function's init before the first request."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from dap_client import DapClient
from ports import free_port

from gateway.harness import ApiProcess


def with_marker(marker: Path) -> Any:
    """A `prepare` that points the functions' INIT_MARKER (appended to by each init) at
    `marker`, outside the project so the code watcher never sees it."""

    def prepare(root: Path) -> None:
        template = root / "template.yaml"
        template.write_text(template.read_text().replace("@MARKER@", str(marker)))

    return prepare


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    tmp = tmp_path_factory.mktemp("definitions")
    process = ApiProcess("definitions", tmp, prepare=with_marker(tmp / "marker"))
    try:
        yield process
    finally:
        process.stop()


def test_routes_come_from_a_definition_uri_file_and_an_include(api: ApiProcess) -> None:
    text = "\n".join(api.banner)
    assert "GET /from-file/{name}" in text and "SlowFunction  (REST FilesApi, stage v1" in text
    assert "POST /named" in text and "NamedFunction  (REST FilesApi, stage v1" in text
    assert "ANY /included" in text and "SlowFunction  (REST IncludedApi, stage v2" in text

    event = requests.get(api.url + "/from-file/notes.txt", timeout=30).json()
    assert event["resource"] == "/from-file/{name}"
    assert event["pathParameters"] == {"name": "notes.txt"}
    assert event["requestContext"]["stage"] == "v1"
    # `function:named-orders:live`: the function whose FunctionName is named-orders.
    named = requests.post(api.url + "/named", data="{}", timeout=30)
    assert named.status_code == 200, named.text
    assert named.json()["resource"] == "/named"
    included = requests.delete(api.url + "/included", timeout=30).json()
    assert (included["httpMethod"], included["requestContext"]["stage"]) == ("DELETE", "v2")


def test_an_arn_naming_no_function_of_the_template_is_one_warning(api: ApiProcess) -> None:
    log = api.stderr()
    assert (
        "FilesApi.DefinitionUri.paths./elsewhere.get: function Elsewhere is not one Lamina "
        "runs here; route skipped"
    ) in log
    response = requests.get(api.url + "/elsewhere", timeout=30)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_the_operations_timeout_in_millis_is_a_504(api: ApiProcess) -> None:
    response = requests.get(api.url + "/from-file/slow?sleep=2", timeout=30)
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}
    api.wait_for_log("no answer within the integration timeout (1500 ms)")
    quick = requests.get(api.url + "/from-file/quick", timeout=30)
    assert quick.status_code == 200


def test_a_debugger_holding_the_function_pauses_the_integration_timeout(tmp_path: Path) -> None:
    port = free_port()
    api = ApiProcess(
        "definitions",
        tmp_path,
        "--debug",
        f"SlowFunction:{port}",
        prepare=with_marker(tmp_path / "marker"),
    )
    try:
        # From curl, as a developer would call it: `-w` adds the status on a line of its own.
        curl = ["curl", "-s", "-w", "\n%{http_code}", api.url + "/from-file/held"]
        answers: list[str] = []
        caller = threading.Thread(
            target=lambda: answers.append(
                subprocess.run(curl, capture_output=True, text=True, timeout=120).stdout
            )
        )
        caller.start()
        log = api.wait_for_log("waits for a debugger on", timeout=60)
        line = next(line for line in log.splitlines() if "waits for a debugger on" in line)
        attach = json.loads(line.split("attach with ", 1)[1])
        app = api.root / "src" / "app.py"
        first = next(
            n for n, text in enumerate(app.read_text().splitlines(), 1) if "seconds =" in text
        )
        client = DapClient(port)
        try:
            client.attach(attach, {str(app): [first]})
            stopped, frames = client.stopped_frames()
            assert (stopped["reason"], frames[0]["line"]) == ("breakpoint", first)
            time.sleep(2.5)  # held well past the route's 1500 ms integration timeout
            client.resume(stopped["threadId"])
        finally:
            client.close()
        caller.join(timeout=60)
        assert answers, "curl got no answer"
        body, status = answers[0].rsplit("\n", 1)
        assert status == "200", answers[0]
        assert json.loads(body)["pathParameters"] == {"name": "held"}
    finally:
        api.stop()


def inits(marker: Path) -> int:
    return marker.read_text().count("init") if marker.exists() else 0


def test_warm_runs_each_functions_init_before_the_first_request(tmp_path: Path) -> None:
    cold_marker, warm_marker = tmp_path / "cold-marker", tmp_path / "warm-marker"
    cold = ApiProcess("definitions", tmp_path / "cold", prepare=with_marker(cold_marker))
    try:
        assert not cold_marker.exists()  # without --warm nothing has started yet
        assert requests.get(cold.url + "/included", timeout=30).status_code == 200
        assert cold_marker.read_text() == "init\n"  # only the function that was called
    finally:
        cold.stop()
    warm = ApiProcess("definitions", tmp_path / "warm", "--warm", prepare=with_marker(warm_marker))
    try:
        # Both functions (SlowFunction, NamedFunction) run their init, nobody calling either
        # (the environments start with the server; their inits may end after the banner).
        deadline = time.monotonic() + 60
        while inits(warm_marker) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert warm_marker.read_text() == "init\ninit\n"
        assert requests.get(warm.url + "/included", timeout=30).status_code == 200
        assert warm_marker.read_text() == "init\ninit\n"  # the request used a warm one
    finally:
        warm.stop()
