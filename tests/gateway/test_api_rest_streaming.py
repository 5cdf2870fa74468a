"""A REST API's STREAM integrations (`responseTransferMode: STREAM`, issue 14) in front of the
function that streams through the Runtime API (tests/gateway/apps/streamer, the Function URL
tests' runtime): the prelude gives the head, the chunks reach the client as they are written,
and API Gateway's rules around a stream hold (the integration timeout bounds the wait for the
prelude only; a function that answers whole is a 502; error trailers end the stream)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import APPS, ApiProcess
from gateway.stream_checks import read_live


@pytest.fixture(scope="module")
def streamer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("streamer", tmp_path_factory.mktemp("reststreamer"))
    yield api
    api.stop()


def test_the_banner_names_the_streamed_routes(streamer: ApiProcess) -> None:
    streamed = [line for line in streamer.banner if "streamed" in line]
    assert any("/stream/{word}" in line and "StreamApi" in line for line in streamed)
    assert any("GET /cdk" in line and "CdkApi" in line for line in streamed)
    assert not any("/whole" in line for line in streamer.banner if "streamed" not in line)
    # A STREAM integration whose URI is Invoke's, not InvokeWithResponseStream's, is named;
    # an HTTP API's is buffered (only REST APIs stream), and named too.
    assert "responseTransferMode STREAM with a URI not ending in" in streamer.stderr()
    assert "STREAM is for REST APIs' proxy integrations; buffered" in streamer.stderr()
    assert any("/http-stream" in line and "streamed" not in line for line in streamer.banner)


def test_a_stream_answers_with_its_prelude_and_chunks(streamer: ApiProcess) -> None:
    response = requests.get(streamer.url + "/stream/words", timeout=30)
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Set-Cookie"] == "a=1"
    assert response.headers["x-amzn-RequestId"]
    assert response.text == "one two three /stream/words"
    streamer.wait_for_log("the stream ended")


def test_chunks_reach_the_client_as_the_function_writes_them(
    streamer: ApiProcess, tmp_path: Path
) -> None:
    # The body says "released" only if "one " reached the client before the stream ended.
    assert (
        read_live(streamer.url + "/stream/live", tmp_path / "release")
        == b"one released two three /stream/live"
    )


def test_a_stream_outlasts_the_integration_timeout(streamer: ApiProcess) -> None:
    # The route's timeoutInMillis is 3000; the function pauses 3.5 s after its prelude. On AWS
    # the integration timeout bounds the wait for the prelude, not the stream.
    response = requests.get(streamer.url + "/stream/long", params={"pause": "3.5"}, timeout=30)
    assert response.status_code == 201
    assert response.text == "one two three /stream/long"


def test_a_client_that_goes_away_leaves_the_function_running(streamer: ApiProcess) -> None:
    # As on AWS the function runs on; the request line says so once it has ended, with its logs.
    with requests.get(
        streamer.url + "/stream/away", params={"pause": "1"}, stream=True, timeout=30
    ) as response:
        assert next(response.iter_content(chunk_size=None)).startswith(b"one")
    streamer.wait_for_log("GET /stream/away 201 → Streamer")
    streamer.wait_for_log("the client went away; the stream ended")


def test_a_rest_prelude_may_hold_multi_value_headers(streamer: ApiProcess) -> None:
    response = requests.get(streamer.url + "/stream/multi", timeout=30)
    assert response.status_code == 201
    assert response.headers["X-Many"] == "a, b"
    assert sorted(response.raw.headers.getlist("Set-Cookie")) == ["a=1", "b=2"]
    assert response.text == "one two three /stream/multi"


def test_a_sam_api_event_streams(streamer: ApiProcess, tmp_path: Path) -> None:
    # The event's ResponseTransferMode: STREAM (SAM's property), on the same runtime.
    body = read_live(streamer.url + "/event/live", tmp_path / "release")
    assert body == b"one released two three /event/live"


def test_a_plain_cloudformation_method_streams(streamer: ApiProcess) -> None:
    response = requests.get(streamer.url + "/cdk", timeout=30)
    assert response.status_code == 201
    assert response.text == "one two three /cdk"


def test_error_trailers_midway_end_the_stream(streamer: ApiProcess) -> None:
    response = requests.get(streamer.url + "/stream/fail", timeout=30)
    assert response.status_code == 201
    assert response.text == "one two three /stream/fail"
    streamer.wait_for_log("the stream ended with StreamError: broke midway")


def test_an_error_before_the_prelude_is_a_502(streamer: ApiProcess) -> None:
    response = requests.get(streamer.url + "/stream/failfirst", timeout=30)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    assert requests.get(streamer.url + "/stream/again", timeout=30).status_code == 201


def test_a_function_that_answers_whole_is_a_502_that_says_why(streamer: ApiProcess) -> None:
    response = requests.get(streamer.url + "/whole", timeout=30)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    streamer.wait_for_log("a managed Python runtime never streams")


def test_no_prelude_in_the_first_16_kb_is_a_502(streamer: ApiProcess, tmp_path: Path) -> None:
    # The function sends 17 KB without a prelude, then waits (5 s at most) for a file made only
    # after the answer: API Gateway gives up on the stream's first 16 KB, not its end.
    release = tmp_path / "release"
    response = requests.get(
        streamer.url + "/stream/noprelude", params={"release": str(release)}, timeout=30
    )
    release.touch()
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    streamer.wait_for_log("no prelude in the first ")


def test_a_malformed_prelude_is_a_502_that_names_the_field(streamer: ApiProcess) -> None:
    response = requests.get(streamer.url + "/stream/badprelude", timeout=30)
    assert response.status_code == 502
    streamer.wait_for_log("malformed streaming prelude: unexpected field 'isBase64Encoded'")


def test_no_prelude_within_the_integration_timeout_is_a_504(streamer: ApiProcess) -> None:
    # timeoutInMillis 500; the function waits 3 s before its prelude.
    response = requests.get(streamer.url + "/slowhead", timeout=30)
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}
    streamer.wait_for_log("no answer within the integration timeout (500 ms)")


def test_a_terraform_integration_streams(tmp_path: Path) -> None:
    # aws_api_gateway_integration's response_transfer_mode, with the function's
    # response_streaming_invoke_arn; the function is the streamer app's runtime.
    def copy_runtime(root: Path) -> None:
        (root / "src").mkdir()
        shutil.copy(APPS / "streamer" / "src" / "own_runtime.py", root / "src")

    api = ApiProcess("tf_streamer", tmp_path, prepare=copy_runtime)
    try:
        assert any("/words" in line and "streamed" in line for line in api.banner), api.banner
        with requests.get(api.url + "/words", stream=True, timeout=30) as response:
            assert response.status_code == 201
            assert response.headers["Transfer-Encoding"] == "chunked"
            assert response.text == "one two three /words"
    finally:
        api.stop()
