"""Items API: one function behind an API Gateway HTTP API (payload format 2.0), with its own router.

Routes: GET /items (?limit=N), GET /items/{id}, POST /items (JSON body). Anything else gets the
answer API Gateway's clients expect: 404 for an unknown path, 405 (with an `allow` header) for a
known path with the wrong method, 400 for a body that is not JSON or not a valid item.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from collections.abc import Callable
from typing import Any

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

SERVICE_NAME = os.environ.get("SERVICE_NAME", "items-api")
MAX_NAME_LENGTH = int(os.environ.get("MAX_NAME_LENGTH", "64"))

# A stand-in for a table. Seeded at init, so it lives as long as the execution environment does.
ITEMS: dict[str, dict[str, Any]] = {
    "1": {"id": "1", "name": "Notebook", "price": 4.5, "tags": ["office"]},
    "2": {"id": "2", "name": "Desk lamp", "price": 39.0, "tags": ["office", "lighting"]},
    "3": {"id": "3", "name": "Coffee beans", "price": 14.25, "tags": ["kitchen"]},
}

Event = dict[str, Any]
Response = dict[str, Any]
Action = Callable[[Event, dict[str, str]], Response]


class HttpError(Exception):
    """An error answer: the status code, a message for the client, and extra headers."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return {
        "statusCode": status,
        "headers": {
            "content-type": "application/json",
            "x-service": SERVICE_NAME,
            **(headers or {}),
        },
        "body": json.dumps(body),
    }


# --- actions --------------------------------------------------------------------------------------


def list_items(event: Event, params: dict[str, str]) -> Response:
    query = event.get("queryStringParameters") or {}
    limit_text = query.get("limit", str(len(ITEMS)))
    if not limit_text.isdigit() or int(limit_text) < 1:
        raise HttpError(400, f"limit must be a positive integer, got {limit_text!r}")
    items = [ITEMS[key] for key in sorted(ITEMS, key=int)][: int(limit_text)]
    return json_response(200, {"items": items, "count": len(items), "total": len(ITEMS)})


def get_item(event: Event, params: dict[str, str]) -> Response:
    item = ITEMS.get(params["id"])
    if item is None:
        raise HttpError(404, f"item {params['id']} not found")
    return json_response(200, item)


def create_item(event: Event, params: dict[str, str]) -> Response:
    payload = json_body(event)
    item = validate_item(payload)
    item_id = str(max((int(key) for key in ITEMS), default=0) + 1)
    ITEMS[item_id] = {"id": item_id, **item}
    logger.info("created item %s (%s)", item_id, item["name"])
    return json_response(201, ITEMS[item_id], {"location": f"/items/{item_id}"})


# --- request helpers ------------------------------------------------------------------------------


def json_body(event: Event) -> Any:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    if not raw:
        raise HttpError(400, "request body is empty; expected a JSON object")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise HttpError(
            400, f"request body is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
        ) from None


def validate_item(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise HttpError(400, "invalid item", errors=["the body must be a JSON object"])
    errors = []
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append("name must be a non-empty string")
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(f"name must be at most {MAX_NAME_LENGTH} characters")
    price = payload.get("price")
    if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
        errors.append("price must be a non-negative number")
    tags = payload.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        errors.append("tags must be a list of strings")
    unknown = sorted(set(payload) - {"name", "price", "tags"})
    if unknown:
        errors.append(f"unknown fields: {', '.join(unknown)}")
    if errors:
        raise HttpError(400, "invalid item", errors=errors)
    return {"name": name.strip(), "price": price, "tags": tags}


# --- routing --------------------------------------------------------------------------------------

ROUTES: list[tuple[re.Pattern[str], dict[str, Action]]] = [
    (re.compile(r"/items"), {"GET": list_items, "POST": create_item}),
    (re.compile(r"/items/(?P<id>[^/]+)"), {"GET": get_item}),
]


def route(method: str, path: str) -> tuple[Action, dict[str, str]]:
    normalized = path.rstrip("/") or "/"
    for pattern, actions in ROUTES:
        match = pattern.fullmatch(normalized)
        if match is None:
            continue
        action = actions.get(method)
        if action is None:
            allowed = ", ".join(sorted(actions))
            raise HttpError(
                405, f"method {method} not allowed on {normalized}", headers={"allow": allowed}
            )
        logger.debug("route %s matched %s %s", pattern.pattern, method, path)
        return action, match.groupdict()
    raise HttpError(404, f"no route for {method} {path}")


def handler(event: Event, context: Any) -> Response:
    http = event["requestContext"]["http"]
    method, path = http["method"], event.get("rawPath", http["path"])
    request_headers = {"x-request-id": context.aws_request_id}
    logger.info("%s %s", method, path)
    try:
        action, params = route(method, path)
        response = action(event, params)
    except HttpError as e:
        logger.warning("%s %s -> %d %s", method, path, e.status, e.message)
        return json_response(e.status, e.body(), {**e.headers, **request_headers})
    response["headers"].update(request_headers)
    return response
