"""What API Gateway does around the call, for a Terraform configuration's APIs: its resources as
the CloudFormation ones they stand for, which cfn_auth reads (terraform_apis adds these to its
translations):

- `aws_api_gateway_authorizer` (`type`: TOKEN unless set, `authorizer_uri`, `identity_source`,
  `identity_validation_expression`, `authorizer_result_ttl_in_seconds`: 300 unless set,
  `provider_arns`) and `aws_apigatewayv2_authorizer` (`authorizer_type`, `authorizer_uri`,
  `identity_sources`, `authorizer_payload_format_version`, `enable_simple_responses`,
  `authorizer_result_ttl_in_seconds`: 300 unless set, Terraform's default,
  `jwt_configuration`).
- `aws_api_gateway_api_key` (`value`, `enabled`), `aws_api_gateway_usage_plan` (`api_stages`
  with their per-method `throttle` blocks, `throttle_settings`, `quota_settings`) and
  `aws_api_gateway_usage_plan_key`.
- `aws_api_gateway_integration_response` (`status_code`, also as a reference to its
  `aws_api_gateway_method_response`, `selection_pattern`, `response_templates`,
  `response_parameters`), joined to the integration of the same resource and method.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from lamina.gateway.websocket_apis import logical_ref

V2 = "AWS::ApiGatewayV2::"
REST = "AWS::ApiGateway::"
INTEGRATION = "Terraform::ApiGateway::Integration"  # terraform_apis joins it to its Method
_RESPONSE = "Terraform::ApiGateway::IntegrationResponse"
_METHOD_RESPONSE = "Terraform::ApiGateway::MethodResponse"
TTL_S = 300  # authorizer_result_ttl_in_seconds unless set, REST and HTTP APIs alike


class Body(Protocol):
    """One resource's arguments (terraform_apis._Body): references as CloudFormation's."""

    config: Any  # the Configuration, which resolves expressions
    address: str
    body: Mapping[str, Any]

    def value(self, key: str, default: Any = None) -> Any: ...

    def present(self, **props: Any) -> dict[str, Any]: ...

    def blocks(self, key: str) -> list[Body]: ...


def _text(b: Body, key: str) -> Any:
    """An argument resolved as text: a reference to what only exists once applied (a user
    pool's endpoint, an app client's id) stays visible in it, for cfn_auth to say so (once:
    the configuration's own warning about it is dropped)."""
    warned = len(b.config.warnings)
    found = b.config.resolve(b.body.get(key), f"{b.address}.{key}")
    del b.config.warnings[warned:]
    return found


def _first(b: Body, key: str) -> Body | None:
    found = b.blocks(key)
    return found[0] if found else None


def _rest_authorizer(b: Body) -> tuple[str, dict[str, Any]]:
    return REST + "Authorizer", b.present(
        RestApiId=b.value("rest_api_id"),
        Type=b.value("type", "TOKEN"),
        AuthorizerUri=b.value("authorizer_uri"),
        IdentitySource=b.value("identity_source", "method.request.header.Authorization"),
        IdentityValidationExpression=b.value("identity_validation_expression"),
        AuthorizerResultTtlInSeconds=b.value("authorizer_result_ttl_in_seconds", TTL_S),
        ProviderARNs=_text(b, "provider_arns"),
    )


def _v2_authorizer(b: Body) -> tuple[str, dict[str, Any]]:
    jwt = _first(b, "jwt_configuration")
    return V2 + "Authorizer", b.present(
        ApiId=b.value("api_id"),
        AuthorizerType=b.value("authorizer_type"),
        AuthorizerUri=b.value("authorizer_uri"),
        IdentitySource=b.value("identity_sources"),
        AuthorizerPayloadFormatVersion=b.value("authorizer_payload_format_version"),
        EnableSimpleResponses=b.value("enable_simple_responses"),
        AuthorizerResultTtlInSeconds=b.value("authorizer_result_ttl_in_seconds", TTL_S),
        JwtConfiguration=None
        if jwt is None
        else jwt.present(Audience=_text(jwt, "audience"), Issuer=_text(jwt, "issuer")),
    )


def _api_key(b: Body) -> tuple[str, dict[str, Any]]:
    return REST + "ApiKey", b.present(Value=b.value("value"), Enabled=b.value("enabled"))


def _usage_plan(b: Body) -> tuple[str, dict[str, Any]]:
    throttle, quota = _first(b, "throttle_settings"), _first(b, "quota_settings")
    return REST + "UsagePlan", b.present(
        ApiStages=[
            s.present(ApiId=s.value("api_id"), Throttle=_method_throttles(s))
            for s in b.blocks("api_stages")
        ],
        Throttle=None
        if throttle is None
        else throttle.present(
            BurstLimit=throttle.value("burst_limit"), RateLimit=throttle.value("rate_limit")
        ),
        Quota=None
        if quota is None
        else quota.present(
            Limit=quota.value("limit"), Offset=quota.value("offset"), Period=quota.value("period")
        ),
    )


def _method_throttles(stage: Body) -> dict[str, Any] | None:
    """An `api_stages` block's `throttle` blocks (`path` "/path/METHOD", `burst_limit`,
    `rate_limit`) as CloudFormation's `ApiStages[].Throttle` map."""
    found = {
        str(t.value("path")): t.present(
            BurstLimit=t.value("burst_limit"), RateLimit=t.value("rate_limit")
        )
        for t in stage.blocks("throttle")
        if t.value("path")
    }
    return found or None


def _usage_plan_key(b: Body) -> tuple[str, dict[str, Any]]:
    return REST + "UsagePlanKey", b.present(
        KeyId=b.value("key_id"), UsagePlanId=b.value("usage_plan_id")
    )


def _integration_response(b: Body) -> tuple[str, dict[str, Any]]:
    return _RESPONSE, b.present(
        ResourceId=b.value("resource_id"),
        HttpMethod=b.value("http_method"),
        StatusCode=b.value("status_code"),
        SelectionPattern=b.value("selection_pattern"),
        ResponseTemplates=b.value("response_templates"),
        ResponseParameters=b.value("response_parameters"),
    )


def _method_response(b: Body) -> tuple[str, dict[str, Any]]:
    return _METHOD_RESPONSE, b.present(StatusCode=b.value("status_code"))


TRANSLATIONS: dict[str, Callable[[Any], tuple[str, dict[str, Any]]]] = {
    "aws_api_gateway_authorizer": _rest_authorizer,
    "aws_apigatewayv2_authorizer": _v2_authorizer,
    "aws_api_gateway_api_key": _api_key,
    "aws_api_gateway_usage_plan": _usage_plan,
    "aws_api_gateway_usage_plan_key": _usage_plan_key,
    "aws_api_gateway_integration_response": _integration_response,
    "aws_api_gateway_method_response": _method_response,
}


def join_integration_responses(resources: dict[str, Any]) -> None:
    """Each aws_api_gateway_integration_response into the IntegrationResponses of the
    integration of its resource and method (before terraform_apis joins the integrations to
    their Methods). `http_method` may name the method or repeat its verb; `status_code` may
    name the method response."""
    taken = {
        address: resources.pop(address)
        for address in [k for k, r in resources.items() if r["Type"] in (_RESPONSE, _METHOD_RESPONSE)]
    }  # fmt: skip
    methods = {k: r["Properties"] for k, r in resources.items() if r["Type"] == REST + "Method"}
    integrations = [r["Properties"] for r in resources.values() if r["Type"] == INTEGRATION]

    def method_key(props: Mapping[str, Any]) -> str:
        verb = props.get("HttpMethod")
        method = methods.get(logical_ref(verb) or "") if isinstance(verb, Mapping) else None
        if method is not None:
            return json.dumps([method.get("ResourceId"), method.get("HttpMethod")])
        return json.dumps([props.get("ResourceId"), verb])

    for answer in (r["Properties"] for r in taken.values() if r["Type"] == _RESPONSE):
        status = answer.get("StatusCode")
        named = taken.get(logical_ref(status) or "") if isinstance(status, Mapping) else None
        if named is not None:
            answer["StatusCode"] = named["Properties"].get("StatusCode")
        key = method_key(answer)
        for integration in integrations:
            if method_key(integration) == key:
                found = {k: v for k, v in answer.items() if k not in ("ResourceId", "HttpMethod")}
                integration.setdefault("IntegrationResponses", []).append(found)
