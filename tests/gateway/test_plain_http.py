"""lamina api's own HTTP/1.x layer (plain_http.py), byte by byte on a real `lamina api`:
keep-alive and pipelining, HTTP/1.0, HEAD, the answer's framing, and what it hands to aiohttp
(chunked and `Expect: 100-continue` bodies, malformed requests) without losing a request."""

from __future__ import annotations

import json
import socket
from typing import Any, BinaryIO

from gateway.harness import ApiProcess


def connect(api: ApiProcess) -> tuple[socket.socket, BinaryIO]:
    sock = socket.create_connection(("127.0.0.1", api.port), timeout=30)
    return sock, sock.makefile("rb")


def read_response(stream: BinaryIO) -> tuple[str, dict[str, str], bytes]:
    """(status line, headers by lower-case name, body) of one response on a kept stream."""
    status = stream.readline().decode("latin-1").rstrip("\r\n")
    headers: dict[str, str] = {}
    while (line := stream.readline().decode("latin-1").rstrip("\r\n")) != "":
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while (size := int(stream.readline().strip(), 16)) > 0:
            body += stream.read(size)
            stream.readline()
        stream.readline()
        return status, headers, body
    return status, headers, stream.read(int(headers.get("content-length", "0")))


def event_of(body: bytes) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(body)
    return event


def test_pipelined_requests_are_answered_in_order_on_one_connection(shop: ApiProcess) -> None:
    sock, stream = connect(shop)
    with sock:
        sock.sendall(
            b"GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /files/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            b"GET /items/3?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        answers = [read_response(stream) for _ in range(3)]
    assert [status for status, _, _ in answers] == ["HTTP/1.1 200 OK"] * 3
    events = [event_of(body) for _, _, body in answers]
    assert events[0]["pathParameters"] == {"id": "1"}
    assert (events[1]["httpMethod"], events[1]["body"]) == ("POST", "hello")
    assert events[2]["queryStringParameters"] == {"q": "1"}
    assert all(headers["content-type"] == "application/json" for _, headers, _ in answers)
    assert all("date" in headers for _, headers, _ in answers)


def test_http_1_0_is_answered_in_kind_and_closed(shop: ApiProcess) -> None:
    sock, stream = connect(shop)
    with sock:
        sock.sendall(b"GET /items/7 HTTP/1.0\r\n\r\n")
        status, _, body = read_response(stream)
        assert stream.read() == b""  # closed after the answer
    assert status == "HTTP/1.0 200 OK"
    assert event_of(body)["requestContext"]["protocol"] == "HTTP/1.0"


def test_head_gets_the_length_without_the_body(shop: ApiProcess) -> None:
    sock, stream = connect(shop)
    with sock:
        sock.sendall(
            b"HEAD /files/x HTTP/1.1\r\nHost: x\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        status, headers, _ = stream.readline(), {}, None
        while (line := stream.readline()) != b"\r\n":
            name, _, value = line.decode().partition(":")
            headers[name.lower()] = value.strip()
        after = read_response(stream)  # the next answer starts right after HEAD's headers
    assert status.startswith(b"HTTP/1.1 200")
    assert int(headers["content-length"]) > 0
    assert after[0] == "HTTP/1.1 200 OK" and event_of(after[2])["pathParameters"] == {"id": "2"}


def test_the_functions_own_framing_headers_are_replaced(shop: ApiProcess) -> None:
    """A Content-Length the function set (wrong here) would hang the client: ours replaces it."""
    answer = {"statusCode": 200, "headers": {"Content-Length": "99", "Connection": "close"}}
    request = json.dumps({"return": {**answer, "body": "ok"}}).encode()
    sock, stream = connect(shop)
    with sock:
        sock.sendall(
            b"POST /result HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
            % (len(request), request)
            + b"GET /items/5 HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        first = read_response(stream)
        second = read_response(stream)  # still open: the function's Connection: close is not ours
    assert (first[1]["content-length"], first[2]) == ("2", b"ok")
    assert event_of(second[2])["pathParameters"] == {"id": "5"}


def test_chunked_and_expect_continue_bodies_go_through_aiohttp(shop: ApiProcess) -> None:
    sock, stream = connect(shop)
    with sock:
        sock.sendall(
            b"POST /files/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        )
        chunked = read_response(stream)
        sock.sendall(
            b"POST /files/e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        assert stream.readline().startswith(b"HTTP/1.1 100")
        stream.readline()
        sock.sendall(b"wxyz")
        expected = read_response(stream)
    assert event_of(chunked[2])["body"] == "abcde"
    assert event_of(expected[2])["body"] == "wxyz"


def test_a_malformed_request_is_refused_and_the_server_goes_on(shop: ApiProcess) -> None:
    for bad in (b"Bad Header Line", b"Bad Header: x", b" folded: x"):
        sock, stream = connect(shop)
        with sock:
            sock.sendall(b"GET /items/1 HTTP/1.1\r\nHost: x\r\n" + bad + b"\r\n\r\n")
            status, _, _ = read_response(stream)
        assert status.split(" ")[1] == "400", bad
    sock, stream = connect(shop)
    with sock:  # lines ended by a bare LF: aiohttp's to answer, not left waiting for a CRLF
        sock.sendall(b"GET /items/8 HTTP/1.1\nHost: x\n\n")
        assert stream.readline().startswith(b"HTTP/1.")
    sock, stream = connect(shop)
    with sock:
        sock.sendall(b"GET /items/9 HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body = read_response(stream)
    assert status == "HTTP/1.1 200 OK" and event_of(body)["pathParameters"] == {"id": "9"}
