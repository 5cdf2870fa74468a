"""A function's result → the HTTP response API Gateway would send, or `BadResult` naming the
field that was wrong (the front answers 502 and logs it).

Payload 1.0 (REST, HTTP APIs asking for 1.0): a JSON object with only `statusCode`, `headers`,
`multiValueHeaders`, `body`, `isBase64Encoded`; anything else is a malformed proxy response
(recorded: test_aws_proxy_response_payload_format_validation). A header in both `headers` and
`multiValueHeaders` gets the multi values, then the single one. A REST API passes a base64 body
through as text unless the client's Accept matches a binary media type.

Payload 2.0 (HTTP APIs, Function URLs): a JSON object with `statusCode` is read like 1.0 plus
`cookies`; any other valid JSON is inferred as a 200 `application/json` response with that JSON
as the body (a JSON string as its text, anything else compact JSON).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

import orjson

from lamina.gateway.http_types import HttpResponse

_V1_FIELDS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_V2_FIELDS = _V1_FIELDS | {"cookies"}
JSON = "application/json"
# What a function streaming to a Function URL answers with (Node's awslambda.HttpResponseStream,
# the Lambda Web Adapter): a prelude, then the body.
STREAMED_HTTP = "application/vnd.awslambda.http-integration-response"
PRELUDE_END = b"\0" * 8


class BadResult(Exception):
    """The function's result is not a response API Gateway can send (the message says why)."""


def _header_text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise BadResult(f"{where} must be a string, not {type(value).__name__}")


def _status(value: Any) -> int:
    if value is None:
        return 200
    try:
        status = int(value)
    except (TypeError, ValueError):
        raise BadResult(f"statusCode must be a number, not {value!r}") from None
    if not 100 <= status <= 599:
        raise BadResult(f"statusCode {status} is not an HTTP status")
    return status


def _parse(payload: bytes) -> Any:
    try:
        return orjson.loads(payload)
    except ValueError:  # what orjson refuses and json takes: NaN, integers over 64 bits
        pass
    try:
        return json.loads(payload)
    except ValueError:
        raise BadResult("the result is not JSON") from None


def _merged_headers(result: dict[str, Any]) -> tuple[list[tuple[str, str]], bool]:
    """The answer's headers, and whether they name a Content-Type."""
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict):
        raise BadResult(f"headers must be an object, not {type(single).__name__}")
    if not isinstance(multi, dict):
        raise BadResult(f"multiValueHeaders must be an object, not {type(multi).__name__}")
    if not multi:
        plain = _plain_headers(single)
        if plain is not None:
            return plain
    merged: dict[str, tuple[str, list[str]]] = {}  # lower name -> (name as given, values)
    for name, values in multi.items():
        if not isinstance(values, list):
            raise BadResult(f"multiValueHeaders.{name} must be a list")
        texts = [_header_text(v, f"multiValueHeaders.{name}") for v in values]
        merged[name.lower()] = (name, texts)
    for name, value in single.items():
        text = value if type(value) is str else _header_text(value, f"headers.{name}")
        key = name.lower()
        entry = merged.get(key)
        if entry is None:
            merged[key] = (name, [text])
        elif text not in entry[1]:
            entry[1].append(text)
    out: list[tuple[str, str]] = []
    for key, (name, values) in merged.items():
        if key == "set-cookie":  # never folded: each cookie its own line
            out.extend((name, v) for v in values)
        elif len(values) == 1:
            out.append((name, values[0]))
        elif values:
            out.append((name, ", ".join(values)))
    return out, "content-type" in merged and bool(merged["content-type"][1])


def _plain_headers(single: dict[str, Any]) -> tuple[list[tuple[str, str]], bool] | None:
    """The common answer's headers as they are: string values, no name given twice (in any
    case); None for anything else, which `_merged_headers` merges."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in single.items():
        key = name.lower()
        if type(value) is not str or key in seen:
            return None
        seen.add(key)
        out.append((name, value))
    return out, "content-type" in seen


def _body(result: dict[str, Any], decode: bool) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise BadResult(f"body must be a string, not {type(body).__name__}")
    if result.get("isBase64Encoded") and decode:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadResult("isBase64Encoded is true but body is not base64") from None
    return body.encode("utf-8")


def _structured(result: dict[str, Any], allowed: frozenset[str], decode: bool) -> HttpResponse:
    if not allowed.issuperset(result):
        unknown = sorted(set(result) - allowed)
        raise BadResult(f"unexpected field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    headers, typed = _merged_headers(result)
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise BadResult("cookies must be a list of strings")
    if cookies:
        headers.extend(("Set-Cookie", _header_text(c, "cookies")) for c in cookies)
    if not typed:
        headers.insert(0, ("Content-Type", JSON))
    return HttpResponse(_status(result.get("statusCode")), headers, _body(result, decode))


def v1_response(payload: bytes, binary_accepted: Callable[[], bool]) -> HttpResponse:
    """`binary_accepted` says whether the client's Accept matches a binary media type (asked
    only when the result is base64)."""
    result = _parse(payload)
    if not isinstance(result, dict):
        raise BadResult(f"the result must be a JSON object, not {type(result).__name__}")
    decode = bool(result.get("isBase64Encoded")) and binary_accepted()
    return _structured(result, _V1_FIELDS, decode)


def v2_response(payload: bytes) -> HttpResponse:
    result = _parse(payload)
    if isinstance(result, dict) and "statusCode" in result:
        return _structured(result, _V2_FIELDS, decode=True)
    # Inferred, as recorded for Function URLs (test_lambda_url_invocation): a string is the body
    # as it is; anything else is re-serialized compactly.
    if isinstance(result, str):
        body = result.encode("utf-8")
    else:
        body = json.dumps(result, separators=(",", ":")).encode("utf-8")
    return HttpResponse(200, [("Content-Type", JSON)], body)


URL_PRELUDE = frozenset({"statusCode", "headers", "cookies"})
# A REST API's STREAM integration also reads multiValueHeaders (AWS's developer guide, "Lambda
# proxy integration format for response streaming").
REST_PRELUDE = URL_PRELUDE | {"multiValueHeaders"}


def streamed_response(payload: bytes, fields: frozenset[str] = URL_PRELUDE) -> HttpResponse:
    """A streamed answer (a Function URL's content type STREAMED_HTTP, a REST API's STREAM
    integration): a JSON prelude with `fields` (statusCode, headers, cookies...), eight NUL
    bytes, then the body as it was written."""
    prelude, separator, body = payload.partition(PRELUDE_END)
    if not separator:
        raise BadResult("a streamed HTTP response needs a JSON prelude and eight NUL bytes")
    meta = _parse(prelude)
    if not isinstance(meta, dict):
        raise BadResult("the streamed response's prelude must be a JSON object")
    response = _structured({**meta, "body": None}, fields | {"body"}, decode=False)
    response.body = body
    return response


def message_response(status: int, message: str, error_type: str | None = None) -> HttpResponse:
    """API Gateway's own answers: `{"message": ...}` as JSON."""
    headers = [("Content-Type", JSON)]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return HttpResponse(status, headers, json.dumps({"message": message}).encode())
