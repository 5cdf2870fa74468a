"""Where a template asks API Gateway to validate requests, which `lamina api` does not do: a
REST method's `RequestValidatorId` (CloudFormation), a SAM `Api` event's `RequestModel` or
`RequestParameters` marked `Required` (or `ValidateBody`/`ValidateParameters`), an OpenAPI
`x-amazon-apigateway-request-validator`. The readers name each such route once, so a request
API Gateway would refuse with 400 is not taken for one it accepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_VALIDATED = (
    "request validation is not done here: a request API Gateway refuses with 400 (a missing"
    " required parameter, a body its model rejects) reaches the function"
)
_OPENAPI_VALIDATOR = "x-amazon-apigateway-request-validator"


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def sam_event_validates(props: Mapping[str, Any]) -> bool:
    """A SAM Api event's RequestModel / RequestParameters that SAM turns into a validator."""
    model = props.get("RequestModel")
    if isinstance(model, Mapping) and any(
        _flag(model.get(k)) for k in ("Required", "ValidateBody", "ValidateParameters")
    ):
        return True
    parameters = props.get("RequestParameters")
    for parameter in parameters if isinstance(parameters, list) else ():
        if isinstance(parameter, Mapping) and any(
            isinstance(v, Mapping) and _flag(v.get("Required")) for v in parameter.values()
        ):
            return True
    return False


def openapi_validates(body: Mapping[str, Any], operation: Mapping[str, Any]) -> bool:
    """An OpenAPI operation validated by its own or the document's default validator."""
    return bool(operation.get(_OPENAPI_VALIDATOR) or body.get(_OPENAPI_VALIDATOR))
