"""An HTTP API's `$default` route (an HttpApi event without Path and Method) catches what no
other route matches, on a named stage with stage variables (the URL has no stage prefix, and
neither has rawPath, as on AWS)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = ApiProcess("http_default", tmp_path_factory.mktemp("http_default"))
    try:
        yield process
    finally:
        process.stop()


def call(api: ApiProcess, method: str, path: str) -> dict[str, Any]:
    response = requests.request(method, api.url + path, timeout=30)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_the_banner_names_the_default_route(api: ApiProcess) -> None:
    text = "\n".join(api.banner)
    assert "$default" in text and "FallbackFunction  (HTTP Api, stage beta, payload 2.0)" in text


def test_a_matching_route_wins_over_default(api: ApiProcess) -> None:
    answer = call(api, "GET", "/items/7")
    assert answer["function"] == "ItemsFunction"
    event = answer["event"]
    assert (event["routeKey"], event["rawPath"]) == ("GET /items/{id}", "/items/7")
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"color": "green"}
    assert event["requestContext"]["stage"] == "beta"


@pytest.mark.parametrize(("method", "path"), [("GET", "/nothing/here"), ("POST", "/items/7")])
def test_what_no_route_matches_goes_to_default(api: ApiProcess, method: str, path: str) -> None:
    answer = call(api, method, path + "?q=1")
    assert answer["function"] == "FallbackFunction"
    event = answer["event"]
    assert event["routeKey"] == "$default"
    assert event["requestContext"]["routeKey"] == "$default"
    assert (event["rawPath"], event["rawQueryString"]) == (path, "q=1")
    assert event["requestContext"]["http"]["method"] == method
    assert "pathParameters" not in event
    assert event["stageVariables"] == {"color": "green"}
