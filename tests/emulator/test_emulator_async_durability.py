"""The async queue across crashes and restarts, and the maximum event age."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.harness import make_client, start_emulator, unique, wait_until
from emulator.test_emulator_async import (
    ARN,
    COUNTING,
    RECORDER,
    attempts,
    deploy_source,
    send_events,
)


def test_queued_events_survive_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    out = tmp_path / "out"
    out.mkdir()
    server = start_emulator(data, "--async-retry-delays", "0.05,0.1")
    lam = make_client(server.endpoint)
    held = deploy_source(lam, COUNTING, tmp_path, unique("held"))
    busy = deploy_source(lam, COUNTING, tmp_path, unique("busy"))
    lam.put_function_concurrency(FunctionName=held, ReservedConcurrentExecutions=0)
    held_events = [{"dir": str(out), "id": f"h{i}"} for i in range(50)]
    busy_events = [{"dir": str(out), "id": f"b{i}", "fail_times": i % 3} for i in range(150)]
    send_events(server.endpoint, held, held_events)
    send_events(server.endpoint, busy, busy_events)
    server.kill()  # with the busy function's events running, retrying or queued
    assert all(attempts(out, e["id"]) == 0 for e in held_events), "throttled: none ran"

    server = start_emulator(data, "--async-retry-delays", "0.05,0.1")
    try:
        lam = make_client(server.endpoint)
        lam.delete_function_concurrency(FunctionName=held)
        wait_until(lambda: all(attempts(out, e["id"]) == 1 for e in held_events), 60)
        # Every accepted event ran to success: at least as often as its failures demand. One
        # in flight at the kill may run once more (at least once, as on AWS).
        wait_until(lambda: all(attempts(out, e["id"]) > e["fail_times"] for e in busy_events), 60)
        for event in busy_events:
            assert attempts(out, str(event["id"])) <= int(str(event["fail_times"])) + 2, event
        before = {e["id"]: attempts(out, e["id"]) for e in held_events + busy_events}

        server.stop()  # a clean stop, then nothing that succeeded runs again
        server = start_emulator(data, "--async-retry-delays", "0.05,0.1")
        lam = make_client(server.endpoint)
        sentinel = {"dir": str(out), "id": "sentinel"}
        lam.invoke(FunctionName=busy, InvocationType="Event", Payload=json.dumps(sentinel).encode())
        wait_until(lambda: attempts(out, "sentinel") == 1)
        after = {e["id"]: attempts(out, e["id"]) for e in held_events + busy_events}
        assert after == before
    finally:
        server.stop()


def test_event_age_exceeded(tmp_path: Path) -> None:
    # The next retry (after 100 s) could only start beyond the 60 s maximum age: the event is
    # discarded with EventAgeExceeded after its one attempt.
    server = start_emulator(tmp_path / "data", "--async-retry-delays", "100")
    try:
        lam = make_client(server.endpoint)
        worker = deploy_source(lam, COUNTING, tmp_path)
        recorder = deploy_source(lam, RECORDER, tmp_path)
        lam.put_function_event_invoke_config(
            FunctionName=worker,
            MaximumEventAgeInSeconds=60,
            DestinationConfig={"OnFailure": {"Destination": ARN + recorder}},
        )
        out = tmp_path / "out"
        out.mkdir()
        event = {"dir": str(out), "id": 7, "fail_times": 9}
        lam.invoke(FunctionName=worker, InvocationType="Event", Payload=json.dumps(event).encode())
        wait_until(lambda: (out / "EventAgeExceeded-7.json").exists())
        record = json.loads((out / "EventAgeExceeded-7.json").read_text())
        assert record["requestContext"]["condition"] == "EventAgeExceeded"
        assert record["requestContext"]["approximateInvokeCount"] == 1
        assert record["requestPayload"] == event
        assert record["responsePayload"]["errorType"] == "RuntimeError"
        assert attempts(out, 7) == 1
    finally:
        server.stop()
