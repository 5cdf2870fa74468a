"""Unit tests for the items API: the handler called directly, with the sample events."""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SAMPLE = Path(__file__).resolve().parents[1]


class FakeContext:
    function_name = "items-api"
    function_version = "$LATEST"
    memory_limit_in_mb = "256"
    aws_request_id = "6f1c2b1e-2a4d-4a53-9c1e-0d1e2f3a4b5c"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:items-api"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def app() -> ModuleType:
    """A fresh copy of the module per test, as a new execution environment would load it."""
    spec = importlib.util.spec_from_file_location("items_api", SAMPLE / "src" / "items_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(name: str) -> dict[str, Any]:
    return json.loads((SAMPLE / "events" / f"{name}.json").read_text())


def request(method: str, path: str, body: str | None = None, **extra: Any) -> dict[str, Any]:
    """An HTTP API v2.0 event based on a sample, with another method, path and body."""
    base = copy.deepcopy(event("list-items"))
    base["rawPath"] = path
    base["rawQueryString"] = ""
    base.pop("queryStringParameters", None)
    base["requestContext"]["http"]["method"] = method
    base["requestContext"]["http"]["path"] = path
    if body is not None:
        base["body"] = body
    base.update(extra)
    return base


def call(app: ModuleType, evt: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    response = app.handler(evt, FakeContext())
    assert set(response) == {"statusCode", "headers", "body"}
    return response["statusCode"], response["headers"], json.loads(response["body"])


def test_list_items_honours_limit(app: ModuleType) -> None:
    status, headers, body = call(app, event("list-items"))
    assert status == 200
    assert headers == {
        "content-type": "application/json",
        "x-service": "items-api",
        "x-request-id": FakeContext.aws_request_id,
    }
    assert body == {
        "items": [
            {"id": "1", "name": "Notebook", "price": 4.5, "tags": ["office"]},
            {"id": "2", "name": "Desk lamp", "price": 39.0, "tags": ["office", "lighting"]},
        ],
        "count": 2,
        "total": 3,
    }


def test_list_items_without_limit_returns_all(app: ModuleType) -> None:
    status, _, body = call(app, request("GET", "/items/"))
    assert status == 200
    assert [item["id"] for item in body["items"]] == ["1", "2", "3"]


def test_list_items_rejects_a_bad_limit(app: ModuleType) -> None:
    evt = request("GET", "/items", queryStringParameters={"limit": "zero"})
    status, _, body = call(app, evt)
    assert status == 400
    assert body == {"message": "limit must be a positive integer, got 'zero'"}


def test_get_item(app: ModuleType) -> None:
    status, _, body = call(app, event("get-item"))
    assert status == 200
    assert body == {"id": "2", "name": "Desk lamp", "price": 39.0, "tags": ["office", "lighting"]}


def test_get_missing_item_is_404(app: ModuleType) -> None:
    status, _, body = call(app, event("get-item-missing"))
    assert status == 404
    assert body == {"message": "item 99 not found"}


def test_create_item_then_get_it(app: ModuleType) -> None:
    status, headers, body = call(app, event("create-item"))
    assert status == 201
    assert headers["location"] == "/items/4"
    assert body == {"id": "4", "name": "Espresso cup", "price": 12.5, "tags": ["kitchen"]}
    status, _, fetched = call(app, request("GET", "/items/4"))
    assert (status, fetched) == (200, body)


def test_create_item_accepts_a_base64_body(app: ModuleType) -> None:
    raw = json.dumps({"name": "Tea tin", "price": 8}).encode()
    evt = request("POST", "/items", base64.b64encode(raw).decode(), isBase64Encoded=True)
    status, _, body = call(app, evt)
    assert status == 201
    assert body == {"id": "4", "name": "Tea tin", "price": 8, "tags": []}


def test_bad_json_is_400(app: ModuleType) -> None:
    status, _, body = call(app, event("create-item-bad-json"))
    assert status == 400
    assert body == {
        "message": "request body is not valid JSON: Expecting ',' delimiter (line 1, column 39)"
    }


def test_empty_body_is_400(app: ModuleType) -> None:
    status, _, body = call(app, request("POST", "/items"))
    assert status == 400
    assert body == {"message": "request body is empty; expected a JSON object"}


def test_invalid_item_lists_every_problem(app: ModuleType) -> None:
    status, _, body = call(app, event("create-item-invalid"))
    assert status == 400
    assert body == {
        "message": "invalid item",
        "errors": ["name must be a non-empty string", "price must be a non-negative number"],
    }


def test_item_must_be_an_object_without_unknown_fields(app: ModuleType) -> None:
    status, _, body = call(app, request("POST", "/items", "[1, 2]"))
    assert (status, body) == (
        400,
        {"message": "invalid item", "errors": ["the body must be a JSON object"]},
    )
    evt = request(
        "POST", "/items", json.dumps({"name": "Pen", "price": 1, "colour": "red", "tags": "x"})
    )
    status, _, body = call(app, evt)
    assert status == 400
    assert body["errors"] == ["tags must be a list of strings", "unknown fields: colour"]


def test_wrong_method_is_405_with_allow(app: ModuleType) -> None:
    status, headers, body = call(app, event("delete-items"))
    assert status == 405
    assert headers["allow"] == "GET, POST"
    assert body == {"message": "method DELETE not allowed on /items"}


def test_unknown_route_is_404(app: ModuleType) -> None:
    status, _, body = call(app, event("unknown-route"))
    assert status == 404
    assert body == {"message": "no route for GET /orders"}
