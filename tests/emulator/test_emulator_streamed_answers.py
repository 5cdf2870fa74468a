"""A function that streams through the Runtime API (a chunked `POST /response` in streaming
mode, as a custom runtime or the Lambda Web Adapter sends it), called through the emulator's own
doors: InvokeWithResponseStream passes each chunk on as a PayloadChunk as it comes, a
RESPONSE_STREAM Function URL passes the body through as it comes, and a streamed answer may
reach 200 MB (a buffered one stops at 6 MB)."""

from __future__ import annotations

import io
import json
import stat
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from emulator.harness import handler_zip

# The function is its own runtime: on import it takes over the Runtime API. The event says what
# to stream: `prelude` (a Function URL's head first), `words`, `release` (after the first word,
# wait up to 5 s for that file), `big` (that many bytes more) and `fail` (error trailers).
STREAMER = """
import base64, http.client, json, os, time

def _chunk(connection, data):
    connection.send(b"%x\\r\\n%s\\r\\n" % (len(data), data))

def _serve():
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    connection = http.client.HTTPConnection(host, int(port))
    while True:
        connection.request("GET", "/2018-06-01/runtime/invocation/next")
        answer = connection.getresponse()
        event = json.loads(answer.read())
        if "rawPath" in event:  # through a Function URL: what to do is in the query
            event = json.loads(event["queryStringParameters"]["do"])
        request_id = answer.getheader("Lambda-Runtime-Aws-Request-Id")
        connection.putrequest("POST", f"/2018-06-01/runtime/invocation/{request_id}/response")
        connection.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        if event.get("prelude"):
            head = {"statusCode": 200, "headers": {"Content-Type": "text/plain"}}
            _chunk(connection, json.dumps(head).encode() + b"\\0" * 8)
        words = [w.encode() for w in event.get("words", [])]
        for index, word in enumerate(words):
            _chunk(connection, word)
            if index == 0 and event.get("release"):
                deadline = time.monotonic() + 5
                while not os.path.exists(event["release"]) and time.monotonic() < deadline:
                    time.sleep(0.01)
                _chunk(connection, b"released " if os.path.exists(event["release"]) else b"waited ")
        left = event.get("big", 0)
        while left > 0:
            piece = min(left, 1024 * 1024)
            _chunk(connection, b"x" * piece)
            left -= piece
        if event.get("fail"):
            error = base64.b64encode(b'{"errorMessage": "broke midway", "errorType": "StreamError"}')
            connection.send(
                b"0\\r\\nLambda-Runtime-Function-Error-Type: StreamError\\r\\n"
                b"Lambda-Runtime-Function-Error-Body: " + error + b"\\r\\n\\r\\n"
            )
        else:
            connection.send(b"0\\r\\n\\r\\n")
        connection.getresponse().read()

def handler(event, context):  # never called: the module serves the Runtime API itself
    raise RuntimeError("unreachable")

_serve()
"""

MB = 1024 * 1024


def deploy_streamer(deploy: Callable[..., str]) -> str:
    return deploy(Code={"ZipFile": handler_zip(extra={"streamer.py": STREAMER})},
                  Handler="streamer.handler", Timeout=30)  # fmt: skip


def stream(lam: Any, name: str, event: dict[str, Any]) -> Any:
    return lam.invoke_with_response_stream(FunctionName=name, Payload=json.dumps(event).encode())


def test_invoke_with_response_stream_passes_each_chunk_as_it_comes(
    lam: Any, deploy: Callable[..., str], tmp_path: Path
) -> None:
    # The function sends "one ", then waits (5 s at most) for a file this test makes only after
    # reading that chunk: it can only say "released" if the chunk came through before the end.
    name = deploy_streamer(deploy)
    release = tmp_path / "release"
    response = stream(lam, name, {"words": ["one ", "two"], "release": str(release)})
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    events = iter(response["EventStream"])
    assert next(events) == {"PayloadChunk": {"Payload": b"one "}}
    release.touch()
    rest = list(events)
    assert rest[:-1] == [{"PayloadChunk": {"Payload": p}} for p in (b"released ", b"two")]
    assert rest[-1] == {"InvokeComplete": {}}


def test_an_error_midway_ends_the_stream_in_invoke_complete(
    lam: Any, deploy: Callable[..., str]
) -> None:
    name = deploy_streamer(deploy)
    got = list(stream(lam, name, {"words": ["one ", "two"], "fail": True})["EventStream"])
    payloads = [e["PayloadChunk"]["Payload"] for e in got if "PayloadChunk" in e]
    assert b"".join(payloads) == b"one two"
    assert got[-1] == {
        "InvokeComplete": {"ErrorCode": "StreamError", "ErrorDetails": "broke midway"}
    }


def test_a_streamed_answer_may_pass_6_mb_and_the_old_20_mb(
    lam: Any, deploy: Callable[..., str]
) -> None:
    name = deploy_streamer(deploy)
    for size in (8 * MB, 21 * MB):  # 20 MB was the limit before July 2025
        got = list(stream(lam, name, {"big": size})["EventStream"])
        assert sum(len(e["PayloadChunk"]["Payload"]) for e in got if "PayloadChunk" in e) == size
        assert got[-1] == {"InvokeComplete": {}}


def test_a_streamed_answer_stops_past_200_mb(lam: Any, deploy: Callable[..., str]) -> None:
    name = deploy_streamer(deploy)
    got = list(stream(lam, name, {"big": 201 * MB})["EventStream"])
    passed = sum(len(e["PayloadChunk"]["Payload"]) for e in got if "PayloadChunk" in e)
    assert passed <= 200 * MB
    complete = got[-1]["InvokeComplete"]
    assert complete["ErrorCode"] == "Function.ResponseSizeTooLarge"
    assert f"({201 * MB} bytes)" in complete["ErrorDetails"]
    assert f"({200 * MB} bytes)" in complete["ErrorDetails"]


def test_a_buffered_answer_still_stops_at_6_mb(lam: Any, deploy: Callable[..., str]) -> None:
    name = deploy(answer="x" * (7 * MB))
    got = list(lam.invoke_with_response_stream(FunctionName=name)["EventStream"])
    assert [kind for e in got for kind in e] == ["InvokeComplete"]
    assert got[0]["InvokeComplete"]["ErrorCode"] == "Function.ResponseSizeTooLarge"


def test_a_response_stream_url_passes_chunks_as_the_function_writes_them(
    lam: Any, deploy: Callable[..., str], tmp_path: Path
) -> None:
    name = deploy_streamer(deploy)
    url = lam.create_function_url_config(
        FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM"
    )["FunctionUrl"]
    release = tmp_path / "release"
    todo = {"prelude": True, "words": ["one ", "two"], "release": str(release)}
    with requests.get(url, params={"do": json.dumps(todo)}, stream=True, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/plain"
        assert response.headers["Transfer-Encoding"] == "chunked"
        pieces = response.iter_content(chunk_size=None)
        received = b""
        while b"one " not in received:
            received += next(pieces)
        release.touch()
        received += b"".join(pieces)
    assert received == b"one released two"


def bootstrap_zip(script: str) -> bytes:
    """A deployment package holding one executable `bootstrap`, as a custom runtime ships."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.create_system = 3  # unix: external_attr carries the mode
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        archive.writestr(info, script)
    return buffer.getvalue()


def test_a_provided_al2023_bootstrap_streams_through_invoke_with_response_stream(
    lam: Any, deploy: Callable[..., str]
) -> None:
    # The same runtime loop, as the package's executable `bootstrap` on an OS-only runtime.
    script = "#!" + sys.executable + "\n" + STREAMER
    name = deploy(
        Runtime="provided.al2023",
        Handler="unused.handler",
        Code={"ZipFile": bootstrap_zip(script)},
        Timeout=30,
    )
    got = list(stream(lam, name, {"words": ["one ", "two"]})["EventStream"])
    assert got == [
        {"PayloadChunk": {"Payload": b"one "}},
        {"PayloadChunk": {"Payload": b"two"}},
        {"InvokeComplete": {}},
    ]


def test_a_python_function_behind_a_response_stream_url_answers_whole(
    lam: Any, deploy: Callable[..., str]
) -> None:
    # A managed Python runtime never streams: its answer comes whole, as on AWS.
    name = deploy(answer="whole")
    url = lam.create_function_url_config(
        FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM"
    )["FunctionUrl"]
    response = requests.get(url + "x", timeout=30)
    assert response.status_code == 200
    assert response.json()["answer"] == "whole"
