"""CORS from the template: REST's preflight answered as SAM's mock OPTIONS method does it, HTTP
APIs' preflight and response headers as API Gateway adds them."""

from __future__ import annotations

from pathlib import Path

import requests

from gateway.harness import ApiProcess

ORIGIN = "http://app.example"


def preflight(api: ApiProcess, path: str, origin: str = ORIGIN) -> requests.Response:
    return requests.options(
        api.url + path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=30,
    )


def test_a_rest_preflight_is_answered_by_the_gateway(shop: ApiProcess) -> None:
    response = preflight(shop, "/items/1")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type,X-Token"
    assert response.headers["Access-Control-Max-Age"] == "300"
    log = shop.wait_for_log("OPTIONS /items/1 200")
    assert "OPTIONS /items/1 200 →" not in log  # no function ran
    # A proxy integration's answer gets nothing added: the function sends its own headers.
    answer = requests.get(shop.url + "/items/1", headers={"Origin": ORIGIN}, timeout=30)
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_an_http_api_preflight_and_response_headers(shop: ApiProcess) -> None:
    response = preflight(shop, "/v2/items/1")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert response.headers["Access-Control-Allow-Headers"] == "content-type,x-token"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    stranger = preflight(shop, "/v2/items/1", origin="http://evil.example")
    assert stranger.status_code == 204
    assert "Access-Control-Allow-Origin" not in stranger.headers
    answer = requests.get(shop.url + "/v2/items/1", headers={"Origin": ORIGIN}, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert answer.headers["Access-Control-Expose-Headers"] == "x-version"


def _without_allow_methods(root: Path) -> None:
    template = root / "template.yaml"
    lines = template.read_text().splitlines(keepends=True)
    template.write_text("".join(line for line in lines if "AllowMethods: \"'" not in line))


def test_a_rest_cors_without_allow_methods_answers_with_the_paths_methods(
    tmp_path: Path,
) -> None:
    """SAM's add_cors fills Access-Control-Allow-Methods from the path's methods and OPTIONS,
    sorted; a path with ANY gets every method (found on Powertools' event_handler_rest/sam)."""
    api = ApiProcess("shop", tmp_path, prepare=_without_allow_methods)
    try:
        assert preflight(api, "/items/1").headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
        assert preflight(api, "/result").headers["Access-Control-Allow-Methods"] == "OPTIONS,POST"
        anything = preflight(api, "/files/a/b.txt")
        assert anything.status_code == 200
        assert (
            anything.headers["Access-Control-Allow-Methods"]
            == "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
        )
        # The HTTP API's CorsConfiguration keeps its own list.
        assert preflight(api, "/v2/items/1").headers["Access-Control-Allow-Methods"] == "GET,POST"
    finally:
        api.stop()
