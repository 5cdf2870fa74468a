"""`lamina api` (gateway/plain_http.py) and clients that keep it waiting: a head trickled in a
line at a time is closed, a client that never reads its answer is aborted while one reading it
slowly is not, garbage gets aiohttp's 400 and no traceback; other clients are served
meanwhile. `--keep-alive` makes the timeout short here (tests/slow_clients.py bounds the
waits)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from slow_clients import aborted_by_server, connect, read_slowly, trickle_head

from gateway.harness import ApiProcess

KEEP_ALIVE_S = 0.5
BIG = 5 * 1024 * 1024  # an answer larger than the kernel's socket buffers take in


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = ApiProcess("shop", tmp_path_factory.mktemp("slow"), "--keep-alive", str(KEEP_ALIVE_S))
    try:
        yield process
    finally:
        process.stop()


def served(api: ApiProcess) -> None:
    with connect(api.port) as sock:
        sock.sendall(b"GET /items/4 HTTP/1.1\r\nHost: x\r\n\r\n")
        head, body = read_slowly(sock, 65536, 0)
    assert head.startswith(b"HTTP/1.1 200 "), head
    assert json.loads(body)["pathParameters"] == {"id": "4"}


def big_request(pad: str) -> bytes:
    """A POST the shop's echo route answers with the whole event (the body in it)."""
    return b"POST /files/big HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (
        len(pad),
        pad.encode(),
    )


def test_a_head_trickled_in_is_closed(api: ApiProcess) -> None:
    """A header line more often than the timeout does not keep the connection."""
    with connect(api.port) as slow:
        lines = trickle_head(slow, b"GET /items/1 HTTP/1.1", KEEP_ALIVE_S / 5)
        assert lines is not None, "still open"
    served(api)


def test_a_client_that_never_reads_is_aborted(api: ApiProcess) -> None:
    with connect(api.port, receive_buffer=16384) as deaf:
        deaf.sendall(big_request("d" * BIG))
        served(api)  # the answer is stuck; others are served
        assert aborted_by_server(deaf)
    served(api)
    assert "Traceback" not in api.stderr(), api.stderr()


def test_a_client_reading_slowly_is_not_cut(api: ApiProcess) -> None:
    """Its answer takes several timeouts to read, a piece each tenth of one."""
    pad = "s" * BIG
    with connect(api.port, receive_buffer=65536) as slow:
        slow.sendall(big_request(pad))
        head, body = read_slowly(slow, 32768, KEEP_ALIVE_S / 25)
    assert head.startswith(b"HTTP/1.1 200 "), head
    assert json.loads(body)["body"] == pad


def test_garbage_gets_a_400_and_no_traceback(api: ApiProcess) -> None:
    """What plain_http hands to aiohttp as malformed gets its 400 and no traceback in the log: a
    bad header line one warning line; a bad method nothing (aiohttp takes it as the first
    request of its connection, logged at debug level)."""
    line = "malformed request from 127.0.0.1 (Invalid header token): 400"
    for garbage in (b"XXXX\r\n\r\n", b"GET /items/1 HTTP/1.1\r\nBad Header\r\n\r\n"):
        with connect(api.port) as sock:
            sock.sendall(b"GET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n" + garbage)
            answers = b""
            while piece := sock.recv(65536):  # aiohttp closes the connection after its 400
                answers += piece
        assert answers.startswith(b"HTTP/1.1 200 "), answers[:200]
        assert re.search(rb"\}HTTP/1\.[01] 400 Bad Request\r\n", answers), answers[-300:]
    api.wait_for_log(line)
    served(api)
    assert "Traceback" not in api.stderr(), api.stderr()
