"""`lamina serve` answers checkpoints before aiohttp (durable/fast_front.py): the answers are
the route's own, and a connection that carries anything else is aiohttp's from then on."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import quote

from emulator.harness import EmulatorProcess

ARN = "arn:aws:lambda:us-east-1:123456789012:function:nobody:$LATEST/durable-execution/n/1"
CHECKPOINT = f"/2025-12-01/durable-executions/{quote(ARN, safe='')}/checkpoint"
BODY = json.dumps({"CheckpointToken": "not-a-token", "Updates": []}).encode()


def ask(
    conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None, **h: str
) -> tuple[int, str | None, dict[str, Any]]:
    headers = {"Content-Type": "application/json", **h}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    return response.status, response.getheader("x-amzn-ErrorType"), json.loads(payload or b"{}")


def connection(server: EmulatorProcess) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)


def test_the_front_answers_once_the_service_has_opened_on_first_use(
    skip_time_emulator: EmulatorProcess,
) -> None:
    """The service opens on first use when the data dir has no durable state yet (as in this
    fixture's); the front must take checkpoints from then on. aiohttp names itself in a
    `Server` header; the front's answer has none, and carries a request id as AWS's do."""
    conn = connection(skip_time_emulator)
    try:  # any durable API call opens the service
        listed = ask(conn, "GET", "/2025-12-01/functions/nobody/durable-executions")
        assert listed[0] == 200 or listed[1] == "ResourceNotFoundException", listed
    finally:
        conn.close()
    conn = connection(skip_time_emulator)
    try:
        conn.request("POST", CHECKPOINT, body=BODY, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    assert response.status == 404
    assert response.getheader("x-amzn-ErrorType") == "ResourceNotFoundException"
    assert response.getheader("Server") is None, response.getheaders()
    assert response.getheader("x-amzn-RequestId")


def test_a_connection_is_handed_to_aiohttp_at_its_first_other_request(
    skip_time_emulator: EmulatorProcess,
) -> None:
    conn = connection(skip_time_emulator)
    try:
        first = ask(conn, "POST", CHECKPOINT, BODY)  # answered by the front
        assert first[0] == 404 and first[1] == "ResourceNotFoundException", first
        second = ask(conn, "POST", CHECKPOINT, BODY)  # the same connection, kept alive
        assert second == first
        status, _, listed = ask(conn, "GET", "/2015-03-31/functions")
        assert status == 200 and "Functions" in listed
        # aiohttp's now, through the emulator's durable route: the same answer.
        assert ask(conn, "POST", CHECKPOINT, BODY) == first
    finally:
        conn.close()


def test_a_function_url_host_goes_to_the_function_url_front(
    skip_time_emulator: EmulatorProcess,
) -> None:
    conn = connection(skip_time_emulator)
    try:
        host = "abc.lambda-url.us-east-1.localhost"
        answer = ask(conn, "POST", CHECKPOINT, BODY, Host=host)
    finally:
        conn.close()
    assert answer == (404, None, {"message": "Not Found"})  # no such URL, as AWS answers


def test_expect_continue_goes_to_aiohttp(skip_time_emulator: EmulatorProcess) -> None:
    conn = connection(skip_time_emulator)
    try:
        answer = ask(conn, "POST", CHECKPOINT, BODY, Expect="100-continue")
    finally:
        conn.close()
    assert answer[:2] == (404, "ResourceNotFoundException")


def test_a_bad_checkpoint_is_one_error_and_the_server_goes_on(
    skip_time_emulator: EmulatorProcess,
) -> None:
    conn = connection(skip_time_emulator)
    try:
        status, error_type, body = ask(conn, "POST", CHECKPOINT, b"{not json")
        assert (status, error_type) == (400, "InvalidParameterValueException"), body
        assert ask(conn, "POST", CHECKPOINT, BODY)[0] == 404  # the same connection goes on
    finally:
        conn.close()
