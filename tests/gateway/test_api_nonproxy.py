"""Non-proxy (type aws) integrations: VTL mapping templates both ways, and asynchronous calls
through X-Amz-Invocation-Type, set by the integration or mapped from the client's header."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("jobs", tmp_path_factory.mktemp("jobs"))
    try:
        yield api
    finally:
        api.stop()


def wait_for_file(path: Path) -> str:
    deadline = time.monotonic() + 20
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)
    return path.read_text()


def test_an_event_integration_answers_at_once_and_the_function_runs_on(
    jobs: ApiProcess, tmp_path: Path
) -> None:
    gate, marker = tmp_path / "gate", tmp_path / "marker"
    job = {"gate": str(gate), "marker": str(marker)}
    # The function waits for the gate, which opens only after the client has its answer.
    response = requests.post(jobs.url + "/jobs", json={"job": job}, timeout=30)
    assert (response.status_code, response.json()) == (202, {"accepted": True, "stage": "v1"})
    assert not marker.exists()
    gate.touch()
    assert wait_for_file(marker) == "127.0.0.1"  # the request template's $context value


def test_the_client_header_counts_only_where_the_integration_maps_it(
    jobs: ApiProcess, tmp_path: Path
) -> None:
    sync = requests.post(jobs.url + "/jobs/choose", json={"n": 1}, timeout=30)
    assert (sync.status_code, sync.json()) == (200, {"result": {"done": True, "job": {"n": 1}}})
    gate, marker = tmp_path / "gate", tmp_path / "marker"
    job = {"gate": str(gate), "marker": str(marker)}
    mapped = requests.post(
        jobs.url + "/jobs/choose", json=job, headers={"InvocationType": "Event"}, timeout=30
    )
    assert mapped.status_code == 200 and not marker.exists()
    gate.touch()
    wait_for_file(marker)
    # /jobs/plain maps nothing: the client's own X-Amz-Invocation-Type has no effect.
    plain = requests.post(
        jobs.url + "/jobs/plain", json={"n": 2}, headers={"X-Amz-Invocation-Type": "Event"},
        timeout=30,
    )  # fmt: skip
    assert plain.json() == {"done": True, "job": {"n": 2}}


def test_an_error_picks_the_response_by_selection_pattern(jobs: ApiProcess) -> None:
    # (escapeJavaScript escapes ' as \' as on AWS, which JSON can't hold: a message with ".)
    response = requests.post(jobs.url + "/jobs/choose", json={"fail": 'no "disk"'}, timeout=30)
    assert response.status_code == 400
    assert response.json() == {"error": 'BadJob: no "disk"'}
