"""A RESPONSE_STREAM Function URL whose function streams through the Runtime API (chunked
`POST /response` in streaming mode, as a custom runtime or the Lambda Web Adapter sends it):
the prelude gives the status, headers and cookies, the chunks the body, and error trailers a
502. The answer reaches the client once the stream ends (see docs/http.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from gateway.harness import ApiProcess


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


def test_error_trailers_end_a_streamed_response_with_a_502(streamer: ApiProcess) -> None:
    response = requests.get(url_of(streamer) + "fail", timeout=30)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal Server Error"}
    streamer.wait_for_log("StreamError: broke midway")
    # The connection stays usable: the next stream answers.
    assert requests.get(url_of(streamer) + "again", timeout=30).text == "one two three /again"
