"""The limits API Gateway and Function URLs put around a call, where the other tests don't reach
them: a Function URL's 6 MB request limit (413, the function not run), and the integration
timeout each kind of API takes (REST 29 s unless `TimeoutInMillis` says otherwise, HTTP APIs
30 s at most)."""

from __future__ import annotations

import re

import pytest
import requests

from gateway.harness import ApiProcess
from lamina.gateway.integration_timeout import timeout_ms
from lamina.gateway.routes import Api, ApiKind, Route


def test_a_function_url_takes_6_mb(shop: ApiProcess) -> None:
    line = next(line for line in shop.banner if "Function URL" in line and "EchoFunction" in line)
    found = re.search(r"(http://\S+/lambda-url/[a-z0-9]{32}/)", line)
    assert found, line
    too_big = requests.post(
        found.group(1) + "upload", data=b"x" * (6 * 1024 * 1024 + 1), timeout=60
    )
    assert too_big.status_code == 413
    assert too_big.json() == {"message": "Request Entity Too Large"}
    log = shop.wait_for_log("Function URLs take 6 MB")
    line = next(line for line in log.splitlines() if "Function URLs take 6 MB" in line)
    assert "/upload 413 → EchoFunction" in line and "the body is 6291457 bytes" in line
    assert "START RequestId" not in log  # the function never ran
    fits = requests.post(found.group(1) + "upload", data=b"x" * 1024, timeout=60)
    assert fits.status_code == 200 and fits.json()["body"] == "x" * 1024


@pytest.mark.parametrize(
    ("kind", "set_ms", "expected_ms"),
    [
        (ApiKind.REST, None, 29_000),  # REST APIs' default
        (ApiKind.REST, 500, 500),
        (ApiKind.REST, 60_000, 60_000),  # REST may be raised past 29 s (an account quota)
        (ApiKind.HTTP, None, 30_000),  # HTTP APIs' maximum, and default
        (ApiKind.HTTP, 500, 500),
        (ApiKind.HTTP, 45_000, 30_000),  # capped
    ],
)
def test_the_integration_timeout_of_each_kind(
    kind: ApiKind, set_ms: int | None, expected_ms: int
) -> None:
    route = Route(Api("Api", kind, "Prod"), "GET", "/x", "Fn", timeout_ms=set_ms)
    assert timeout_ms(route) == expected_ms
