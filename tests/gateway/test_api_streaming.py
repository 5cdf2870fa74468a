"""A RESPONSE_STREAM Function URL whose function streams through the Runtime API (chunked
`POST /response` in streaming mode, as a custom runtime or the Lambda Web Adapter sends it):
the prelude gives the status, headers and cookies, and the chunks reach the client as the function
writes them; error trailers end the stream (or, before any prelude, give a 502)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import ApiProcess
from gateway.stream_checks import read_live


@pytest.fixture(scope="module")
def streamer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("streamer", tmp_path_factory.mktemp("streamer"))
    yield api
    api.stop()


def url_of(api: ApiProcess) -> str:
    line = next(line for line in api.banner if "Function URL" in line)
    found = re.search(r"(http://\S+/lambda-url/[a-z0-9]{32}/)", line)
    assert found is not None, line
    return found.group(1)


def test_a_streamed_response_answers_with_its_prelude_and_chunks(streamer: ApiProcess) -> None:
    response = requests.get(url_of(streamer) + "words", timeout=30)
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Set-Cookie"] == "a=1"
    assert response.text == "one two three /words"


def test_chunks_reach_the_client_as_the_function_writes_them(
    streamer: ApiProcess, tmp_path: Path
) -> None:
    # The body says "released" only if "one " reached the client before the stream ended.
    assert (
        read_live(url_of(streamer) + "live", tmp_path / "release")
        == b"one released two three /live"
    )


def test_error_trailers_midway_end_the_stream(streamer: ApiProcess) -> None:
    # The head is gone already, as on AWS: the client sees the stream end; the log says why.
    response = requests.get(url_of(streamer) + "fail", timeout=30)
    assert response.status_code == 201
    assert response.text == "one two three /fail"
    streamer.wait_for_log("the stream ended with StreamError: broke midway")


def test_an_error_before_the_prelude_is_a_502(streamer: ApiProcess) -> None:
    response = requests.get(url_of(streamer) + "failfirst", timeout=30)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal Server Error"}
    streamer.wait_for_log("StreamError: broke midway")
    # The connection stays usable: the next stream answers.
    assert requests.get(url_of(streamer) + "again", timeout=30).text == "one two three /again"
