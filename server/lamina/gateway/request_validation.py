"""API Gateway's request validation for REST APIs: what a method's request validator checks
before the integration runs, and the 400 it answers when a check fails.

- Parameters (`validateRequestParameters`): each required `method.request.header|querystring|
  path.X` must be in the request and not blank (API Gateway checks presence only, not type);
  else 400 `{"message": "Missing required request parameters: [a, b]"}`, the names in the
  order of their full keys (recorded: test_api_gateway_request_validator).
- Body (`validateRequestBody`): the body, parsed as JSON (an empty body as `{}`), against the
  model for the request's content type (`application/json` when it sends none), else the
  `$default` model; no model for the type: not checked. JSON Schema draft 4. Else 400
  `{"message": "Invalid request body"}`.
- Parameters are checked before the body; both answers carry `x-amzn-ErrorType:
  BadRequestException`. The front checks after API keys, usage plans and the authorizer, just
  before the integration (docs/http.md).

AWS's answer does not say what failed; the request's log line does (`problem`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError, best_match

from lamina.gateway.http_types import HttpRequest, HttpResponse
from lamina.gateway.request_parts import media_type, query_pairs
from lamina.gateway.responses import message_response

BAD_REQUEST = "BadRequestException"
INVALID_BODY = "Invalid request body"
DEFAULT_TYPE = "$default"
_PREFIX = "method.request."
_SOURCES = ("header", "querystring", "path")
Warn = Callable[[str, str], None]


@dataclass(frozen=True)
class Refusal:
    message: str  # API Gateway's {"message": ...}
    problem: str  # what the log line says failed

    def response(self) -> HttpResponse:
        return message_response(400, self.message, BAD_REQUEST)


@dataclass(frozen=True)
class RequestValidation:
    """What a method's validator checks: `parameters` are full keys (`method.request.header.X`),
    sorted; `models` maps a lower-case content type (or `$default`) to its compiled schema."""

    parameters: tuple[str, ...] = ()
    models: tuple[tuple[str, str, Draft4Validator], ...] = field(default=(), compare=False)

    def refusal(self, request: HttpRequest, path_parameters: Mapping[str, str]) -> Refusal | None:
        missing = [key for key in self.parameters if _blank(key, request, path_parameters)]
        if missing:
            names = ", ".join(key.rsplit(".", 1)[-1] for key in missing)
            where = ", ".join(key[len(_PREFIX) :].replace(".", " ", 1) for key in missing)
            message = f"Missing required request parameters: [{names}]"
            return Refusal(message, f"no (or a blank) required {where}")
        if not self.models:
            return None
        kind = media_type(request) or "application/json"
        found = next((m for m in self.models if m[0] == kind), None)
        found = found or next((m for m in self.models if m[0] == DEFAULT_TYPE), None)
        if found is None:
            return None
        _, name, validator = found
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as e:
            return Refusal(INVALID_BODY, f"the body is not JSON ({e}), model {name}")
        if next(validator.iter_errors(body), None) is None:  # a third cheaper than best_match
            return None
        error = best_match(validator.iter_errors(body))
        at = "$" + "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.path)
        return Refusal(INVALID_BODY, f"model {name} at {at}: {error.message}")


def _blank(key: str, request: HttpRequest, path_parameters: Mapping[str, str]) -> bool:
    source, _, name = key[len(_PREFIX) :].partition(".")
    if source == "header":
        value = request.header(name.lower())
    elif source == "querystring":
        value = next((v for k, v in query_pairs(request.query) if k == name and v.strip()), None)
    else:
        value = path_parameters.get(name)
    return not (value or "").strip()


def absent_path_parameters(checks: RequestValidation | None, path: str) -> list[str]:
    """The required path parameters `path` has no segment for: every request is refused."""
    segments = {part.strip("{}+") for part in path.split("/") if part.startswith("{")}
    keys = checks.parameters if checks is not None else ()
    names = [key.rsplit(".", 1)[-1] for key in keys if key.startswith(_PREFIX + "path.")]
    return [name for name in names if name not in segments]


def parameter_key(source: str, name: str) -> str | None:
    """`method.request.<source>.<name>` for OpenAPI's `in` (query, header, path), else None."""
    source = {"query": "querystring"}.get(source, source)
    return f"{_PREFIX}{source}.{name}" if source in _SOURCES and name else None


def is_parameter_key(key: str) -> bool:
    source = key[len(_PREFIX) :].partition(".")[0] if key.startswith(_PREFIX) else ""
    return source in _SOURCES


def _local_refs(schema: Any) -> Any:
    """The schema with each `$ref` to a model (`…/models/Name`, `#/definitions/Name`,
    `#/components/schemas/Name`, also inside Fn::Join/Fn::Sub) as `#/definitions/Name`."""
    if isinstance(schema, list):
        return [_local_refs(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref" and not isinstance(value, str):  # a Join or Sub (CDK's: a Ref's name)
            text = json.dumps(value, separators=(",", ":")).replace('"', "")
            value = re.sub(r"\{Ref:([\w.-]+)\}", r"\1", text).rstrip("]}")
        if key == "$ref" and isinstance(value, str) and not value.startswith("#/definitions/"):
            for marker in ("/models/", "#/components/schemas/"):
                if marker in value:
                    value = "#/definitions/" + value.rsplit(marker, 1)[1].strip(" ,").split("/")[0]
        out[str(key)] = _local_refs(value)
    return out


def compile_model(
    name: str, models: Mapping[str, Any], warn: Warn, where: str
) -> Draft4Validator | None:
    """The model `name` of `models` (name → schema, a dict or JSON text) as a validator whose
    `$ref`s reach the other models; None (with a warning) when it is missing or invalid."""
    parsed: dict[str, Any] = {}
    for key, schema in models.items():
        if isinstance(schema, str):
            try:
                schema = json.loads(schema)
            except ValueError:
                continue
        parsed[str(key)] = _local_refs(schema)
    root = parsed.get(name)
    if not isinstance(root, Mapping):
        warn(where, f"model {name} is not defined here; its body is not validated")
        return None
    root = {**root, "definitions": {**parsed, **(root.get("definitions") or {})}}
    try:
        Draft4Validator.check_schema(root)
    except SchemaError as e:
        warn(where, f"model {name} is not a valid JSON Schema (draft 4): {e.message}; not used")
        return None
    dangling = _dangling(root)
    if dangling is not None:
        warn(where, f"model {name} refers to {dangling}, which is not defined here; not used")
        return None
    return Draft4Validator(root)


def _refs(schema: Any) -> Iterator[Any]:
    if isinstance(schema, list):
        for item in schema:
            yield from _refs(item)
    elif isinstance(schema, Mapping):
        for key, value in schema.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)


def _dangling(root: Mapping[str, Any]) -> Any:
    """The first `$ref` reachable from the model that does not resolve within it, or None."""
    own = {k: v for k, v in root.items() if k != "definitions"}
    todo = list(_refs(own))
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if not isinstance(ref, str) or not ref.startswith("#"):
            return ref  # a URL: nothing is fetched
        if ref in seen:
            continue
        seen.add(ref)
        found: Any = root
        for part in ref[1:].lstrip("/").split("/") if ref[1:] else ():
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(found, list) and part.isdigit() and int(part) < len(found):
                found = found[int(part)]
            elif isinstance(found, Mapping) and part in found:
                found = found[part]
            else:
                return ref
        todo.extend(_refs(own if found is root else found))
    return None


def validation(
    parameters: Mapping[str, Any] | None,
    models: Mapping[str, str] | None,
    schemas: Mapping[str, Any],
    warn: Warn,
    where: str,
) -> RequestValidation | None:
    """A validator's checks: `parameters` (full key → required) where it validates parameters,
    `models` (content type → model name) where it validates bodies; None: nothing to check."""
    required = sorted(
        str(k) for k, v in (parameters or {}).items() if flag(v) and is_parameter_key(str(k))
    )
    compiled = []
    for kind, name in (models or {}).items():
        validator = compile_model(str(name), schemas, warn, where)
        if validator is not None:
            compiled.append((str(kind).lower(), str(name), validator))
    if not required and not compiled:
        return None
    return RequestValidation(tuple(required), tuple(compiled))


def flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
