"""The Runtime API's request reader keeps the last bodiless head it parsed (a runtime's `/next`
is the same every time) and hands out a copy: what one caller does to its headers must not reach
the next request's, and a different head is still parsed on its own."""

from __future__ import annotations

from lamina.runtime.request_reader import RequestReader

NEXT = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trace: a\r\n\r\n"


def test_a_repeated_head_is_taken_again_with_its_own_headers() -> None:
    reader = RequestReader(lambda path: None)
    reader.buffer += NEXT + NEXT
    first = reader.take()
    assert first == (
        "GET",
        "/2018-06-01/runtime/invocation/next",
        {"host": "127.0.0.1", "x-trace": "a"},
        b"",
    )
    first[2]["x-trace"] = "changed by the caller"
    del first[2]["host"]
    second = reader.take()
    assert second == (
        "GET",
        "/2018-06-01/runtime/invocation/next",
        {"host": "127.0.0.1", "x-trace": "a"},
        b"",
    )
    assert second[2] is not first[2]
    assert reader.take() is None


def test_a_different_head_after_a_repeated_one_is_parsed_as_it_is() -> None:
    reader = RequestReader(lambda path: None)
    body = b'{"ok": 1}'
    result = (
        b"POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    other_next = NEXT.replace(b"X-Trace: a", b"X-Trace: b")
    reader.buffer += NEXT + result + other_next + NEXT
    assert reader.take()[2]["x-trace"] == "a"  # type: ignore[index]
    assert reader.take() == (
        "POST",
        "/2018-06-01/runtime/invocation/id-1/response",
        {"host": "127.0.0.1", "content-length": str(len(body))},
        body,
    )
    assert reader.take()[2]["x-trace"] == "b"  # type: ignore[index]
    assert reader.take()[2]["x-trace"] == "a"  # type: ignore[index]
