"""What API Gateway does around the call, for APIs written as plain CloudFormation (what
`cdk synth` writes, and what terraform_apis translates a configuration into), in the shapes the
SAM reader gives the gateway core (route_auth, usage_plans, nonproxy):

- `AWS::ApiGateway::Authorizer` (`Type` TOKEN, REQUEST or COGNITO_USER_POOLS; `AuthorizerUri`,
  `IdentitySource`, `IdentityValidationExpression`, `AuthorizerResultTtlInSeconds`, 300 when
  absent; `ProviderARNs`), chosen by a Method's `AuthorizationType: CUSTOM` or
  `COGNITO_USER_POOLS` and `AuthorizerId` (with `AuthorizationScopes`); `AWS_IAM` checks SigV4.
- `AWS::ApiGatewayV2::Authorizer` (`AuthorizerType` REQUEST or JWT; `IdentitySource`,
  `AuthorizerPayloadFormatVersion`, `EnableSimpleResponses`, `AuthorizerResultTtlInSeconds`, 0
  when absent, as the HTTP API default; `JwtConfiguration`), chosen by a Route's
  `AuthorizationType: CUSTOM` or `JWT` and `AuthorizerId`.
- A Method's `ApiKeyRequired`, the `AWS::ApiGateway::ApiKey` `Value`s (template_auth), and the
  `AWS::ApiGateway::UsagePlan`s whose `ApiStages` name the API (`Throttle`, `Quota`, the
  stage's per-method `Throttle`), each with the keys its `AWS::ApiGateway::UsagePlanKey`s link.
- An `Integration` of `Type: AWS` (non-proxy): `RequestTemplates`, `PassthroughBehavior`,
  `RequestParameters`, `IntegrationResponses` (`SelectionPattern`, none for the default,
  `StatusCode`, `ResponseParameters`, `ResponseTemplates`).

An authorizer that can't be run here (its function is not one Lamina runs) is named in a
warning and the route is served without it, as for SAM templates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from lamina.gateway.authorizers import Authorizer
from lamina.gateway.iam_auth import AWS_IAM, IamAuthorizer
from lamina.gateway.jwt_authorizers import JwtAuthorizer
from lamina.gateway.nonproxy import NonProxyIntegration, integration_from_openapi
from lamina.gateway.plan_links import stage_plans
from lamina.gateway.routes import Api, ApiKind
from lamina.gateway.template_auth import (
    AnyAuthorizer,
    TemplateAuth,
    function_in_uri,
    known_claims,
)
from lamina.gateway.usage_plans import StagePlans
from lamina.gateway.websocket_apis import logical_ref
from lamina.project.cfn_values import to_text
from lamina.project.terraform_expressions import UNRESOLVED

REST_AUTHORIZER = "AWS::ApiGateway::Authorizer"
V2_AUTHORIZER = "AWS::ApiGatewayV2::Authorizer"
REST_TTL_S = 300  # AuthorizerResultTtlInSeconds when absent: REST's default
HTTP_TTL_S = 0  # and HTTP APIs' (caching off)
Typed = Mapping[str, Mapping[str, Mapping[str, Any]]]  # type → logical id → properties


class CfnAuth:
    def __init__(
        self,
        typed: Typed,
        value: Callable[[Any, str], Any],
        warn: Callable[[str, str], None],
        auth: TemplateAuth,
        function_name: Callable[[str], str | None],
    ) -> None:
        """`function_name(logical id)` is the name Lamina runs that function by, or None."""
        self.typed, self.value, self.warn, self.auth = typed, value, warn, auth
        self.function_name = function_name
        self._authorizers: dict[str, AnyAuthorizer | None] = {}

    @property
    def api_keys(self) -> tuple[str, ...]:
        return self.auth.api_keys

    # --- who may call ---------------------------------------------------------------------------

    def rest_method(
        self, api: Api, name: str, props: Mapping[str, Any]
    ) -> tuple[AnyAuthorizer | None, bool]:
        """A Method's authorizer and whether it needs an API key."""
        required = _flag(self.value(props.get("ApiKeyRequired"), f"{name}.ApiKeyRequired"))
        if required and not self.api_keys:
            self.warn(name, "ApiKeyRequired, but no AWS::ApiGateway::ApiKey Value here: any key")
        return self.route_authorizer(api, name, props, ("CUSTOM", "COGNITO_USER_POOLS")), required

    def route_authorizer(
        self, api: Api, name: str, props: Mapping[str, Any], kinds: tuple[str, ...]
    ) -> AnyAuthorizer | None:
        """The authorizer a Method or Route names by `AuthorizationType` (one of `kinds`
        with an `AuthorizerId`, or AWS_IAM)."""
        auth = to_text(self.value(props.get("AuthorizationType"), name) or "NONE").upper()
        if auth == "NONE":
            return None
        if auth == AWS_IAM:
            return IamAuthorizer(http_api=api.kind is ApiKind.HTTP)
        if auth not in kinds:
            self.warn(name, f"AuthorizationType {auth} is not checked here: served without it")
            return None
        ref = logical_ref(props.get("AuthorizerId")) or ""
        kind = V2_AUTHORIZER if api.kind is ApiKind.HTTP else REST_AUTHORIZER
        if ref not in self.typed.get(kind, {}):
            self.warn(name, "AuthorizerId names no authorizer of this template: served without it")
            return None
        if ref not in self._authorizers:  # one warning about an authorizer, its users' many
            self._authorizers[ref] = self.authorizer(api, ref)
        chosen = self._authorizers[ref]
        scopes = self.value(props.get("AuthorizationScopes"), f"{name}.AuthorizationScopes")
        if isinstance(chosen, JwtAuthorizer) and isinstance(scopes, list) and scopes:
            chosen = replace(chosen, scopes=tuple(to_text(s) for s in scopes))
        return chosen

    def authorizer(self, api: Api, ref: str) -> AnyAuthorizer | None:
        """The authorizer resource `ref` (of the API's kind), or None when it can't run here."""
        http = api.kind is ApiKind.HTTP
        props = self.typed[V2_AUTHORIZER if http else REST_AUTHORIZER][ref]
        kind = to_text(
            self.value(props.get("AuthorizerType" if http else "Type"), ref) or "TOKEN"
        ).upper()
        sources = _sources(self.value(props.get("IdentitySource"), f"{ref}.IdentitySource"))
        prefix = "$request." if http else "method.request."
        headers = [s.split(".", 3)[-1] for s in sources if s.startswith(prefix + "header.")]
        query = [s.split(".", 3)[-1] for s in sources if s.startswith(prefix + "querystring.")]
        if kind == "JWT" and http:
            jwt = self.value(props.get("JwtConfiguration"), f"{ref}.JwtConfiguration") or {}
            config = {
                "JwtConfiguration": self.jwt_configuration(jwt, ref),
                "IdentitySource": sources[0] if sources else "$request.header.Authorization",
            }
            return self.auth.jwt_authorizer(ref, config, ref)
        if kind == "COGNITO_USER_POOLS" and not http:
            header = headers[0] if headers else "Authorization"
            arns = self.value(props.get("ProviderARNs"), f"{ref}.ProviderARNs")
            arns = [_shown(a) for a in arns] if isinstance(arns, list) else arns
            pool = {"UserPoolArn": arns, "Identity": {"Header": header}}
            return self.auth.cognito_authorizer(ref, pool, ref)
        if kind not in ("TOKEN", "REQUEST"):
            self.warn(ref, f"authorizer type {kind} is not checked here: served without it")
            return None
        function = function_in_uri(props.get("AuthorizerUri"))
        runs = self.function_name(function) if function else None
        if runs is None:
            self.warn(ref, "AuthorizerUri names no function Lamina runs here; served without it")
            return None
        ttl = self.value(props.get("AuthorizerResultTtlInSeconds"), ref)
        validation = self.value(props.get("IdentityValidationExpression"), ref)
        version = self.value(props.get("AuthorizerPayloadFormatVersion"), ref)
        return Authorizer(
            name=ref,
            function=runs,
            kind="REQUEST" if http else kind,
            http_api=http,
            header=headers[0] if headers else "Authorization",
            validation=to_text(validation) if validation else None,
            identity_headers=tuple(headers),
            identity_query=tuple(query),
            payload_version=to_text(version or "2.0"),
            simple_responses=_flag(self.value(props.get("EnableSimpleResponses"), ref)),
            ttl_s=_int(ttl, HTTP_TTL_S if http else REST_TTL_S),
        )

    def jwt_configuration(self, jwt: Any, ref: str) -> dict[str, Any]:
        """`Issuer` and `Audience` as SAM's `issuer` and `audience`. One that only exists once
        deployed (a user pool's id, an app client's: `Ref`s CDK and Terraform write) can't be
        checked: any issuer, or any audience, is taken, with a warning."""
        jwt = jwt if isinstance(jwt, Mapping) else {}
        raw = jwt.get("Audience") or []
        issuer, audiences = known_claims(
            _shown(jwt.get("Issuer") or ""),
            [_shown(a) for a in (raw if isinstance(raw, list) else [raw])],
            lambda message: self.warn(ref, message),
        )
        return {"issuer": issuer, "audience": audiences}

    # --- usage plans ----------------------------------------------------------------------------

    def usage_plan(self, api: str) -> StagePlans | None:
        """The usage plans whose ApiStages name the API (plan_links)."""
        return stage_plans(self.typed, self.value, self.warn, api)

    # --- non-proxy integrations -----------------------------------------------------------------

    def non_proxy(self, integration: Mapping[str, Any], name: str) -> NonProxyIntegration:
        """A `Type: AWS` Integration as the OpenAPI extension nonproxy reads."""
        responses: dict[str, Any] = {}
        answers = self.value(integration.get("IntegrationResponses"), name)
        for answer in answers if isinstance(answers, list) else ():
            if not isinstance(answer, Mapping):
                continue
            pattern = to_text(answer.get("SelectionPattern") or "default")
            responses.setdefault(pattern, {
                "statusCode": answer.get("StatusCode") or 200,
                "responseParameters": answer.get("ResponseParameters") or {},
                "responseTemplates": answer.get("ResponseTemplates") or {},
            })  # fmt: skip
        return integration_from_openapi({
            "requestTemplates": self.value(integration.get("RequestTemplates"), name) or {},
            "passthroughBehavior": self.value(integration.get("PassthroughBehavior"), name),
            "requestParameters": self.value(integration.get("RequestParameters"), name) or {},
            "responses": responses,
        })  # fmt: skip


def _shown(value: Any) -> str:
    """A resolved value as text, Terraform's unresolved marker shown as the `$` it stands for."""
    return to_text(value).replace(UNRESOLVED, "$")


def _sources(raw: Any) -> list[str]:
    """IdentitySource: a comma-separated string (REST) or a list (HTTP APIs)."""
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    return [to_text(item).strip() for item in items if to_text(item).strip()]


def _flag(raw: Any) -> bool:
    return raw is True or (isinstance(raw, str) and raw.lower() == "true")


def _int(raw: Any, default: int) -> int:
    try:
        return int(raw) if raw is not None and raw != "" else default
    except (TypeError, ValueError):
        return default
