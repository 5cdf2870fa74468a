"""`lamina events generate --function F`: the event source, method, path and path parameters
come from F's API route in the template."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from gateway.harness import APPS


def generate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lamina", "events", "generate", *args],
        cwd=APPS / "shop", capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def event_of(*args: str) -> Any:
    done = generate(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_rest_route_fills_in_the_rest_event() -> None:
    event = event_of("--function", "MeFunction")
    assert (event["httpMethod"], event["path"], event["resource"]) == (
        "GET",
        "/items/me",
        "/items/me",
    )
    assert event["requestContext"]["stage"] == "Prod"


def test_a_chosen_route_with_a_greedy_path_and_any_method() -> None:
    event = event_of("--function", "EchoFunction", "--route", "DELETE /files/{proxy+}")
    assert event["httpMethod"] == "DELETE"
    assert event["resource"] == "/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "path/to/resource"}


def test_an_http_api_route_gives_a_2_0_event_and_set_still_wins() -> None:
    event = event_of(
        "--function", "EchoFunction", "--route", "GET /v2/items/{id}", "--set", "path=/v2/items/42"
    )
    assert event["version"] == "2.0" and event["routeKey"] == "GET /v2/items/{id}"
    assert event["rawPath"] == "/v2/items/42" and event["pathParameters"] == {"id": "42"}


def test_an_unknown_route_is_one_line_naming_the_known_ones() -> None:
    done = generate("--function", "MeFunction", "--route", "POST /nope")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: MeFunction has no route 'POST /nope' in the template (its routes: GET /items/me)"
    )


def test_a_route_whose_key_comes_from_its_authorizer_has_the_key_in_its_event() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lamina", "events", "generate", "--function", "EchoFunction"],
        cwd=APPS / "key_source", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    identity = json.loads(done.stdout)["requestContext"]["identity"]
    assert identity["apiKey"] == "tenant-key-0123456789abcdef"  # ApiKeySourceType AUTHORIZER
