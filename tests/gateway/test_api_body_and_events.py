"""`lamina api` on an API whose own DefinitionBody describes an operation that an Api or HttpApi
event of the function names too. SAM adds an event's integration only where the body has none
(the event then only grants the permission), so the body's operation is the deployed one: its
non-proxy templates on a REST API, its payload version on an HTTP API. Two events on one route
are still named as a conflict, and an operation that calls an AWS service instead of a function
is named as not served."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = ApiProcess("body_and_events", tmp_path_factory.mktemp("body_and_events"))
    try:
        yield process
    finally:
        process.stop()


def test_the_definition_body_operation_is_served_not_the_event(api: ApiProcess) -> None:
    text = "\n".join(api.banner)
    assert "POST /story" in text and "StoryFunction  (REST StoryApi, stage prod" in text
    assert "GET /notes" in text and "(HTTP NotesApi, stage $default, payload 1.0)" in text

    story = requests.post(api.url + "/story", json={"topic": "owls", "extra": 1}, timeout=30)
    assert story.status_code == 201, story.text
    assert story.json() == {"told": "owls"}  # the body's request and response templates ran

    notes = requests.get(api.url + "/notes?q=1", timeout=30)
    assert notes.status_code == 200, notes.text
    event = notes.json()["event"]
    assert event["version"] == "1.0" and event["httpMethod"] == "GET"


def test_only_the_real_conflict_is_named(api: ApiProcess) -> None:
    warnings = [line for line in api.stderr().splitlines() if line.startswith("lamina: warning")]
    assert any("Twice.Events.Second: GET /twice is already served by Twice" in w for w in warnings)
    assert not [w for w in warnings if "/story" in w or "/notes" in w], warnings
    queue = "NotesApi.DefinitionBody.paths./queue.post: its SQS-SendMessage integration calls no"
    assert any(queue in w and w.endswith("; route skipped") for w in warnings), warnings
    assert "POST /queue" not in "\n".join(api.banner)
