"""Chunked bodies as a streaming runtime posts them: read as they arrive, in any split, with
trailers; malformed ones refused, oversized ones read, heard and counted but kept only up to the
limit."""

from __future__ import annotations

import base64
import json

import pytest

from lamina.runtime.chunked_body import BadChunkedBody, ChunkedBody, streamed_error

BODY = (
    b"4\r\nWiki\r\n6;name=value\r\npedia \r\n0\r\nLambda-Runtime-Function-Error-Type: Oops\r\n\r\n"
)


def test_a_body_split_anywhere_reads_the_same() -> None:
    for split in range(1, len(BODY)):
        chunked = ChunkedBody(1024)
        buffer = bytearray(BODY[:split])
        done = chunked.feed(buffer)
        buffer += BODY[split:] + b"GET /next"  # the next request, pipelined
        done = done or chunked.feed(buffer)
        assert done, split
        assert bytes(chunked.body) == b"Wikipedia "
        assert chunked.trailers == {"lambda-runtime-function-error-type": "Oops"}
        assert buffer == b"GET /next"  # left for the next request


@pytest.mark.parametrize(
    "body",
    [b"zz\r\nabc\r\n", b"3\r\nabcXY", b"0\r\nno colon here\r\n\r\n", b"800\r\n" + b"x" * 3000],
)
def test_malformed_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(BadChunkedBody):
        ChunkedBody(1024).feed(bytearray(body))


def test_a_body_past_the_limit_is_heard_and_counted_but_kept_only_up_to_it() -> None:
    heard: list[bytes] = []
    chunked = ChunkedBody(8, heard.append)
    buffer = bytearray(b"5\r\nabcde\r\n5\r\nfghij\r\n3\r\nklm\r\n0\r\n\r\n")
    assert chunked.feed(buffer)
    assert heard == [b"abcde", b"fghij", b"klm"]
    assert (bytes(chunked.body), chunked.size) == (b"abcde", 13)


def test_the_error_trailers_give_the_error_json() -> None:
    error = {"errorMessage": "broke", "errorType": "StreamError"}
    encoded = base64.b64encode(json.dumps(error).encode()).decode()
    headers = {
        "lambda-runtime-function-error-type": "StreamError",
        "lambda-runtime-function-error-body": encoded,
    }
    assert json.loads(streamed_error(headers)) == error
    only_type = {"lambda-runtime-function-error-type": "StreamError"}
    assert json.loads(streamed_error(only_type)) == {"errorType": "StreamError", "errorMessage": ""}
