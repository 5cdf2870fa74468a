"""Invoke answered on the front (emulator/fast_invoke.py) and through aiohttp's route: the same
answers. A fresh connection's invokes are the front's; a connection that first carried another
request is aiohttp's for good, so the same request on both shows any difference. aiohttp names
itself in a Server header, the front does not: that tells which one answered."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from emulator.harness import (
    ACCOUNT,
    REGION,
    ROLE,
    EmulatorProcess,
    handler_zip,
    make_client,
    start_emulator,
    wait_until,
)

Exchange = tuple[int, dict[str, str], bytes]
# Headers whose values differ between any two answers (the names must still match).
VARYING = {"x-amzn-requestid", "date", "x-amz-log-result"}


def send(conn: http.client.HTTPConnection, path: str, body: bytes = b"{}", **h: str) -> Exchange:
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **h})
    response = conn.getresponse()
    payload = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def connections(server: EmulatorProcess) -> tuple[Any, Any]:
    """(a connection the front serves, one aiohttp serves)."""
    front = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    route = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    route.request("GET", "/2016-08-19/account-settings")
    answer = route.getresponse()
    answer.read()
    assert answer.status == 200
    return front, route


def path(name: str, qualifier: str | None = None) -> str:
    query = "" if qualifier is None else f"?Qualifier={quote(qualifier, safe='')}"
    return f"/2015-03-31/functions/{quote(name, safe='')}/invocations{query}"


def same_answer(front: Exchange, route: Exchange) -> None:
    (status, headers, body), (route_status, route_headers, route_body) = front, route
    assert "server" not in headers, headers  # the front's
    assert "server" in route_headers, route_headers  # aiohttp's
    route_headers.pop("server")
    # The route closes after an invoke: the client's next comes on a new connection, the
    # front's (an error's answer keeps it).
    closed = route_headers.pop("connection", None)
    assert closed == ("close" if route_status < 300 else None), route_headers
    assert status == route_status, (front, route)
    assert set(headers) == set(route_headers), (headers, route_headers)
    for name, value in headers.items():
        if name not in VARYING:
            assert value == route_headers[name], (name, value, route_headers[name])
    assert "x-amzn-requestid" in headers
    if "x-amz-log-result" in headers:
        for answer in (headers, route_headers):
            assert base64.b64decode(answer["x-amz-log-result"]).startswith(b"START RequestId: ")
    if headers.get("x-amzn-errortype"):
        assert json.loads(body) == json.loads(route_body)
    elif status == 200:  # the function's answer; an error's names its own request id
        answers = [json.loads(body), json.loads(route_body)]
        for answer, answer_headers in zip(answers, (headers, route_headers), strict=True):
            if isinstance(answer, dict) and "requestId" in answer:
                assert answer.pop("requestId") == answer_headers["x-amzn-requestid"]
        assert answers[0] == answers[1]
    else:
        assert body == route_body


CONTEXT = base64.b64encode(json.dumps({"custom": {"user": "ada"}}).encode()).decode()
ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"


@pytest.mark.parametrize(
    "case",
    [
        {},
        {"body": b'{"x": [1, 2]}', "X-Amz-Log-Type": "Tail", "X-Amz-Client-Context": CONTEXT},
        {"body": b'{"fail": true}', "X-Amz-Log-Type": "Tail"},  # X-Amz-Function-Error
        {"body": b""},  # the event is {}
        {"qualifier": "$LATEST"},
        {"qualifier": "7"},  # no such version: 404 naming it
        {"qualifier": "nope"},  # no such alias
        {"arn": True},  # the name as an ARN (its colons percent-encoded, as botocore sends it)
        {"arn": True, "qualifier": "$LATEST"},
        {"missing": True},  # no such function
        {"X-Amz-Invocation-Type": "DryRun"},
        {"X-Amz-Invocation-Type": "Event"},
        {"X-Amz-Invocation-Type": "Sometimes"},
        {"X-Amz-Log-Type": "Everything"},
        {"body": b"{not json"},
        {"X-Amz-Client-Context": "not base64!"},
        {"X-Amz-Tenant-Id": "blue"},  # refused: the function is not tenant-isolated
        {"X-Amz-Invocation-Type": "Event", "body": b'"' + b"x" * (1024 * 1024) + b'"'},  # 413
        {"name": "bad name!"},  # the model's pattern: aiohttp's to word
        {"qualifier": "bad qualifier"},
    ],
    ids=lambda case: ",".join(f"{k}={str(v)[:12]}" for k, v in case.items()) or "plain",
)
def test_the_front_answers_as_the_route(
    emulator: EmulatorProcess, deploy: Any, case: dict[str, Any]
) -> None:
    case = dict(case)
    name = deploy("front")
    body = case.pop("body", b'{"x": 1}')
    qualifier = case.pop("qualifier", None)
    if case.pop("arn", False):
        name = ARN + name
    if case.pop("missing", False):
        name = "nobody-here"
    name = case.pop("name", name)
    front, route = connections(emulator)
    try:
        answers = [send(conn, path(name, qualifier), body, **case) for conn in (front, route)]
        if case.get("X-Amz-Invocation-Type") == "Event" and len(body) > 1024 * 1024:
            # Over the Event limit: the front hands the connection to aiohttp (both answer so).
            assert answers[0][0] == answers[1][0] == 413
            assert answers[0][1]["x-amzn-errortype"] == answers[1][1]["x-amzn-errortype"]
            return
        if name == "bad name!" or qualifier == "bad qualifier":  # aiohttp's on both
            assert answers[0][0] == answers[1][0] == 400
            assert json.loads(answers[0][2]) == json.loads(answers[1][2])
            return
        same_answer(*answers)
        # The front's connection is still the front's: the same request, the same answer.
        again = send(front, path(name, qualifier), body, **case)
        assert again[0] == answers[0][0] and "server" not in again[1]
    finally:
        front.close()
        route.close()


def test_boto3_invokes_are_the_fronts(lam: Any, deploy: Any) -> None:
    """boto3 signs its requests (SigV4) and sends them as the route takes them. Its
    connection carried the deploy (aiohttp's): the first invoke's answer closes it."""
    name = deploy("signed")
    lam.invoke(FunctionName=name, Payload=b'{"y": 1}')
    response = lam.invoke(FunctionName=name, Payload=b'{"y": 2}', Qualifier="$LATEST")
    assert json.loads(response["Payload"].read())["event"] == {"y": 2}
    assert "server" not in response["ResponseMetadata"]["HTTPHeaders"]
    assert response["ExecutedVersion"] == "$LATEST"


def test_pipelined_invokes_are_answered_in_order(emulator: EmulatorProcess, deploy: Any) -> None:
    name = deploy("pipelined")
    requests = b"".join(
        f"POST {path(name)} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
        for body in (b'{"n": 1}', b'{"n": 2}', b'{"n": 3}')
    )
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=30) as sock:
        sock.sendall(requests)
        received = b""
        while received.count(b'"n": ') < 3:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
    assert received.count(b"HTTP/1.1 200 OK") == 3
    assert received.index(b'"n": 1') < received.index(b'"n": 2') < received.index(b'"n": 3')


def exchange(port: int, raw: bytes) -> bytes:
    """One raw request's answer head (the connection then closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
    return received.split(b"\r\n\r\n", 1)[0]


def test_header_lines_are_read_as_aiohttp_reads_them(
    emulator: EmulatorProcess, deploy: Any
) -> None:
    """Values lose the spaces and tabs around them, names their case; a line that is not a
    plain header (folded, a space before its colon) leaves the request to aiohttp."""
    name = deploy("headers")
    start = f"POST {path(name)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode()
    dry = start + b"x-AMZ-invocation-TYPE: \t DryRun \t\r\nContent-Length:2\r\n\r\n{}"
    head = exchange(emulator.port, dry)
    assert head.startswith(b"HTTP/1.1 204 ") and b"\r\nServer:" not in head, head
    for odd in (
        b"X-Amz-Invocation-Type : DryRun\r\n",  # a space before the colon
        b"X-Amz-Invocation-Type: Dry\r\n Run\r\n",  # a folded line
    ):
        head = exchange(emulator.port, start + odd + b"Content-Length: 2\r\n\r\n{}")
        assert b"\r\nServer:" in head, head  # aiohttp's answer, whatever it is


HOSTILE = [
    b"POST /2015-03-31/functions/x/invocations HTTP/1.1\r\nContent-Length: 5\r\n\r\n{",  # cut
    b"POST /2015-03-31/functions/x/invocations HTTP/1.1\r\nContent-Length: nine\r\n\r\n{}",
    b"POST /2015-03-31/functions/x/invocations HTTP/1.1\r\nno colon here\r\n\r\n",
    b"POST /2015-03-31/functions/x/invocations HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
    b"POST /2015-03-31/functions/x/invocations HTTP/1.1\r\nContent-Length: 2\r\n"
    b"Content-Length: 3\r\n\r\n{}",
    b"POST /2015-03-31/functions/%ff%fe/invocations HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
    b"POST /2015-03-31/functions/x/invocations?Qualifier=%ff HTTP/1.1\r\n"
    b"Content-Length: 2\r\n\r\n{}",
    b"POST /2015-03-31/functions/" + b"a" * 20000,  # a head that never ends
]


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_or_partial_request_leaves_the_server_serving(
    emulator: EmulatorProcess, deploy: Any, raw: bytes
) -> None:
    name = deploy("sturdy")
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=30) as sock:
        sock.sendall(raw)
        sock.settimeout(2)
        try:
            answer = sock.recv(65536)
        except TimeoutError:
            answer = b""  # waiting for the rest, as it may
    if answer:
        assert answer.startswith(b"HTTP/1.") and answer[9:10] == b"4", answer[:200]
    front = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=30)
    try:
        status, headers, body = send(front, path(name))
    finally:
        front.close()
    assert status == 200 and json.loads(body)["answer"] == "sturdy"
    assert "server" not in headers


def test_an_invoke_in_flight_is_answered_when_the_server_stops(tmp_path: Path) -> None:
    """SIGTERM: the front's invokes still running get the shutdown grace aiohttp's handlers
    get, and their answers go out before the connections close."""
    server = start_emulator(tmp_path / "data")
    try:
        make_client(server.endpoint).create_function(
            FunctionName="slow",
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": handler_zip("slow")},
        )
        started, gate = tmp_path / "started", tmp_path / "gate"
        answers: list[Exchange] = []
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        event = json.dumps({"started": str(started), "gate": str(gate)}).encode()
        caller = threading.Thread(target=lambda: answers.append(send(conn, path("slow"), event)))
        caller.start()
        wait_until(started.exists)
        server.proc.terminate()
        threading.Timer(0.3, gate.touch).start()  # the function ends while the server stops
        caller.join(30)
        conn.close()
        assert server.proc.wait(30) == 0
    finally:
        server.stop()
    status, headers, body = answers[0]
    assert status == 200 and json.loads(body)["answer"] == "slow"
    assert "server" not in headers  # the front's
