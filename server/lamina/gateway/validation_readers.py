"""What a template asks API Gateway to validate on a REST method (request_validation checks it):

- SAM: an `Api` event's `RequestModel` with `ValidateBody` and/or `ValidateParameters` (SAM
  adds a validator only when one of them is set: `Required` alone adds none), its `Model` from
  the API's `Models` (for `application/json`), and the event's `RequestParameters` (a name, or
  `{name: {Required: true}}`).
- CloudFormation: a Method's `RequestValidatorId` (Ref or GetAtt of an
  `AWS::ApiGateway::RequestValidator`: `ValidateRequestBody`, `ValidateRequestParameters`),
  its `RequestParameters` (`method.request.header.X: true`) and `RequestModels` (content type →
  an `AWS::ApiGateway::Model`'s `Name`, or a Ref to one; its `Schema`).
- OpenAPI 2 and 3: `x-amazon-apigateway-request-validator` (the operation's, else the
  document's) naming one of `x-amazon-apigateway-request-validators`; `parameters` (the path's
  and the operation's) with `required: true`; the body's schema (`in: body`, or `requestBody`
  per content type), inline or a `$ref` to `#/definitions/…` or `#/components/schemas/…`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.gateway.request_validation import (
    RequestValidation,
    Warn,
    flag,
    parameter_key,
    validation,
)
from lamina.gateway.routes import Api, ApiKind
from lamina.gateway.websocket_apis import logical_ref
from lamina.project.sam_globals import merge_globals

OPENAPI_VALIDATOR = "x-amazon-apigateway-request-validator"
_VALIDATORS = OPENAPI_VALIDATOR + "s"
_CFN = "AWS::ApiGateway::"
JSON = "application/json"


def sam_validation(
    resources: Mapping[str, Any],
    sam_globals: Mapping[str, Any],
    api: Api,
    props: Mapping[str, Any],
    where: str,
    warn: Warn,
) -> RequestValidation | None:
    model = props.get("RequestModel")
    if api.kind is not ApiKind.REST or not isinstance(model, Mapping):
        return None
    body, params = model.get("ValidateBody"), model.get("ValidateParameters")
    if body is None and params is None:
        return None  # no validator (samtranslator adds one only for these)
    own = (resources.get(api.logical_id) or {}).get("Properties") or {}
    api_props = merge_globals(sam_globals.get("Api"), own)
    schemas = _mapping(api_props.get("Models") if isinstance(api_props, Mapping) else None)
    parameters: dict[str, Any] = {}
    listed = props.get("RequestParameters") if flag(params) else None
    for parameter in listed if isinstance(listed, list) else ():
        if isinstance(parameter, Mapping):
            for key, options in parameter.items():
                parameters[str(key)] = isinstance(options, Mapping) and options.get("Required")
    name = model.get("Model")
    models = {JSON: name} if flag(body) and name else None
    return validation(parameters, models, schemas, warn, where)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _target(ref: Any) -> str | None:
    """The logical id a Ref or a GetAtt names."""
    if isinstance(ref, Mapping) and "Fn::GetAtt" in ref:
        target = ref["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else str(target).split(".")[0])
    return logical_ref(ref)


def cfn_validation(
    typed: Mapping[str, Mapping[str, Mapping[str, Any]]],
    api_name: str,
    props: Mapping[str, Any],
    where: str,
    warn: Warn,
) -> RequestValidation | None:
    ref = props.get("RequestValidatorId")
    if not ref:
        return None
    validator = typed.get(_CFN + "RequestValidator", {}).get(_target(ref) or "")
    if validator is None:
        warn(where, "its RequestValidatorId is no RequestValidator of this template; not validated")
        return None
    schemas: dict[str, Any] = {}
    names: dict[str, str] = {}  # a Model's logical id → its name
    for logical_id, model in typed.get(_CFN + "Model", {}).items():
        if logical_ref(model.get("RestApiId")) == api_name:
            names[logical_id] = str(model.get("Name") or logical_id)
            schemas[names[logical_id]] = schemas[logical_id] = model.get("Schema")  # $ref: either
    models = None
    if flag(validator.get("ValidateRequestBody")):
        raw = props.get("RequestModels")
        models = {
            str(kind): names.get(logical_ref(name) or "", str(name))
            for kind, name in (raw.items() if isinstance(raw, Mapping) else ())
        }
    parameters = props.get("RequestParameters")
    if not flag(validator.get("ValidateRequestParameters")) or not isinstance(parameters, Mapping):
        parameters = None
    return validation(parameters, models, schemas, warn, where)


def _local(body: Mapping[str, Any], item: Any) -> Any:
    """A `$ref` to `#/…` in the document resolved (one level), else the item itself."""
    ref = item.get("$ref") if isinstance(item, Mapping) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return item
    found: Any = body
    for part in ref[2:].split("/"):
        found = found.get(part) if isinstance(found, Mapping) else None
    return found


def openapi_validation(
    body: Mapping[str, Any],
    path_item: Mapping[str, Any],
    operation: Mapping[str, Any],
    api: Api,
    where: str,
    warn: Warn,
) -> RequestValidation | None:
    name = operation.get(OPENAPI_VALIDATOR) or body.get(OPENAPI_VALIDATOR)
    if api.kind is not ApiKind.REST or not name:
        return None
    validator = _mapping(body.get(_VALIDATORS)).get(str(name))
    if not isinstance(validator, Mapping):
        warn(where, f"request validator {name} is not in {_VALIDATORS}; not validated")
        return None
    schemas = dict(
        _mapping(body.get("definitions") or _mapping(body.get("components")).get("schemas"))
    )
    parameters: dict[str, bool] = {}
    models: dict[str, str] = {}
    listed = [*(path_item.get("parameters") or ()), *(operation.get("parameters") or ())]
    for parameter in (_local(body, p) for p in listed):
        if not isinstance(parameter, Mapping):
            continue
        if parameter.get("in") == "body" and isinstance(parameter.get("schema"), Mapping):
            types = operation.get("consumes") or body.get("consumes") or [JSON]
            models.update({str(t): _model(parameter["schema"], schemas, where) for t in types})
        key = parameter_key(str(parameter.get("in")), str(parameter.get("name") or ""))
        if key is not None:
            parameters[key] = parameter.get("required") is True
    request_body = _local(body, operation.get("requestBody"))
    content = request_body.get("content") if isinstance(request_body, Mapping) else None
    for kind, media in content.items() if isinstance(content, Mapping) else ():
        if isinstance(media, Mapping) and isinstance(media.get("schema"), Mapping):
            models[str(kind)] = _model(media["schema"], schemas, where)
    return validation(
        parameters if flag(validator.get("validateRequestParameters")) else None,
        models if flag(validator.get("validateRequestBody")) else None,
        schemas,
        warn,
        where,
    )


def _model(schema: Mapping[str, Any], schemas: dict[str, Any], where: str) -> str:
    """The model a body's schema is: the one its `$ref` names, else the inline schema, added
    to `schemas` under the operation's name."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and len(schema) == 1:
        return ref.rsplit("/", 1)[-1]
    schemas[where] = schema
    return where
