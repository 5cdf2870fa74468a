"""APIs written as plain CloudFormation resources, as `cdk synth` writes them (and as a SAM
template may hold them beside its Serverless ones):

- REST: `AWS::ApiGateway::RestApi`, its `Resource`s (`ParentId`, `PathPart`) and `Method`s
  whose `Integration` is `Type: AWS_PROXY` with a `Uri` naming a function (`Fn::GetAtt
  [Fn, Arn]`, alone or in a Join or Sub); payload 1.0; `ResponseTransferMode: STREAM`
  streams (rest_stream_mode). The stage is its `AWS::ApiGateway::Stage`'s
  `StageName` (with `Variables`), else a `Deployment`'s, else `prod` (CDK's default).
- HTTP: `AWS::ApiGatewayV2::Api` with `ProtocolType: HTTP`, its `Route`s (`RouteKey`,
  `Target: integrations/<Integration>`), `Integration`s (`IntegrationType: AWS_PROXY`,
  `IntegrationUri`, `PayloadFormatVersion`, `TimeoutInMillis`), `Stage` (else `$default`) and
  `CorsConfiguration`.
- Function URLs: `AWS::Lambda::Url` (`TargetFunctionArn`, `AuthType`, `InvokeMode`, `Cors`).

- REST methods whose `Integration` is `Type: AWS` (non-proxy, with mapping templates), and
  what API Gateway does around the call: authorizers, API keys, usage plans (cfn_auth).

Routes come back with the function's logical id in the template; template_reader adds them to
the table as it adds SAM's. What is not served (another integration type, an authorizer Lamina
cannot run) is named in a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lamina.gateway.cfn_auth import CfnAuth
from lamina.gateway.cors import http_rules, rest_rules
from lamina.gateway.nonproxy import NonProxyIntegration
from lamina.gateway.request_validation import RequestValidation, absent_path_parameters
from lamina.gateway.rest_stream_mode import transfer_mode
from lamina.gateway.routes import ANY, DEFAULT_ROUTE, Api, ApiKind
from lamina.gateway.template_auth import AnyAuthorizer, TemplateAuth, function_in_uri
from lamina.gateway.validation_readers import cfn_validation
from lamina.gateway.websocket_apis import logical_ref
from lamina.project.cfn_values import to_text

REST = "AWS::ApiGateway::"
V2 = "AWS::ApiGatewayV2::"
LAMBDA_URL = "AWS::Lambda::Url"
PROXY = "AWS_PROXY"
NON_PROXY = "AWS"
CDK_REST_STAGE = "prod"  # a RestApi's stage when the template deploys none (CDK's default)
_MAX_DEPTH = 64  # of nested REST resources

# The preflight's Access-Control-* response headers, as SAM's REST `Cors` keys.
_PREFLIGHT = {
    "allow-origin": "AllowOrigin",
    "allow-methods": "AllowMethods",
    "allow-headers": "AllowHeaders",
    "max-age": "MaxAge",
    "allow-credentials": "AllowCredentials",
}
Value = Callable[[Any, str], Any]
Warn = Callable[[str, str], None]
Line = Callable[[str], int | None]
Typed = Mapping[str, Mapping[str, Mapping[str, Any]]]  # type → logical id → properties


@dataclass(frozen=True)
class RawRoute:
    api: Api
    method: str
    path: str
    function: str  # the function's logical id in this template
    payload_version: str
    timeout_ms: int | None
    resource: str  # the Method's or Route's logical id
    authorizer: AnyAuthorizer | None = None
    api_key_required: bool = False
    integration: NonProxyIntegration | None = None  # Type: AWS (else a Lambda proxy)
    stream: bool = False  # Integration ResponseTransferMode: STREAM
    validation: RequestValidation | None = None  # RequestValidatorId's checks (validation_readers)


@dataclass(frozen=True)
class RawUrl:
    function: str  # the function's logical id in this template
    config: Mapping[str, Any]  # AuthType, InvokeMode, Cors (FunctionUrlConfig's keys)
    resource: str


@dataclass
class CfnApis:
    routes: list[RawRoute] = field(default_factory=list)
    urls: list[RawUrl] = field(default_factory=list)


def read_cfn_apis(
    resources: Mapping[str, Any],
    value: Value,
    warn: Warn,
    line: Line,
    auth: TemplateAuth,
    function_name: Callable[[str], str | None],
) -> CfnApis:
    """`auth` reads authorizers and API keys as for SAM; `function_name(logical id)` is the
    name Lamina runs a function of this template by, or None (cfn_auth)."""
    typed: dict[str, dict[str, Mapping[str, Any]]] = {}
    for logical_id, resource in resources.items():
        if isinstance(resource, Mapping) and isinstance(resource.get("Properties"), Mapping):
            typed.setdefault(str(resource.get("Type")), {})[str(logical_id)] = resource[
                "Properties"
            ]
    found = CfnApis()
    around = CfnAuth(typed, value, warn, auth, function_name)
    if any(kind.startswith(REST) for kind in typed):
        _Rest(typed, value, warn, line, found, around).read()
    if V2 + "Api" in typed:
        _http_routes(typed, value, warn, line, found, around)
    for name, props in typed.get(LAMBDA_URL, {}).items():
        target = props.get("TargetFunctionArn")
        function = function_in_uri(target) or logical_ref(target)
        if function is None:
            warn(name, "its TargetFunctionArn names no function of this template; skipped")
            continue
        found.urls.append(RawUrl(function, props, name))
    return found


def _for_api(typed: Typed, kind: str, key: str, api: str) -> dict[str, Mapping[str, Any]]:
    """The resources of type `kind` whose `key` refers to the API `api`."""
    return {k: p for k, p in typed.get(kind, {}).items() if logical_ref(p.get(key)) == api}


def _pairs(variables: Any) -> tuple[tuple[str, str], ...]:
    """Stage variables as sorted pairs (none when they are not a mapping)."""
    items = variables.items() if isinstance(variables, Mapping) else ()
    return tuple(sorted((str(k), to_text(v)) for k, v in items))


def _millis(timeout: Any, name: str, warn: Warn) -> int | None:
    try:
        return int(timeout) if timeout else None
    except (TypeError, ValueError):
        warn(name, f"TimeoutInMillis {to_text(timeout)} is not a number; the default is used")
        return None


class _Rest:
    def __init__(
        self, typed: Typed, value: Value, warn: Warn, line: Line, found: CfnApis, auth: CfnAuth
    ) -> None:
        self.typed, self.value, self.warn, self.line, self.found = typed, value, warn, line, found
        self.auth = auth
        self.resources = typed.get(REST + "Resource", {})

    def path(self, ref: Any, api: str, depth: int = 0) -> str | None:
        """The path of a ResourceId or ParentId: `/` for the API's RootResourceId."""
        if isinstance(ref, Mapping) and "Fn::GetAtt" in ref:
            target = ref["Fn::GetAtt"]
            parts = target if isinstance(target, list) else str(target).split(".")
            return "/" if list(parts) == [api, "RootResourceId"] else None
        name = logical_ref(ref)
        props = self.resources.get(name or "")
        if props is None or depth > _MAX_DEPTH:
            return None
        parent = self.path(props.get("ParentId"), api, depth + 1)
        part = to_text(self.value(props.get("PathPart"), f"{name}.PathPart") or "")
        return None if parent is None else parent.rstrip("/") + "/" + part

    def stage(self, api: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        for name, props in _for_api(self.typed, REST + "Stage", "RestApiId", api).items():
            pairs = _pairs(self.value(props.get("Variables"), f"{name}.Variables"))
            return to_text(self.value(props.get("StageName"), f"{name}.StageName")), pairs
        for name, props in _for_api(self.typed, REST + "Deployment", "RestApiId", api).items():
            stage = self.value(props.get("StageName"), f"{name}.StageName")
            if stage:
                return to_text(stage), ()
        return CDK_REST_STAGE, ()

    def read(self) -> None:
        for api_name, api_props in self.typed.get(REST + "RestApi", {}).items():
            stage, variables = self.stage(api_name)
            methods = _for_api(self.typed, REST + "Method", "RestApiId", api_name)
            raw = self.value(api_props.get("BinaryMediaTypes"), f"{api_name}.BinaryMediaTypes")
            binary = tuple(to_text(t) for t in raw or ())
            api = Api(
                logical_id=api_name,
                kind=ApiKind.REST,
                stage=stage,
                binary_media_types=binary,
                stage_variables=variables,
                source_line=self.line(api_name),
                cors=rest_rules(self.preflight(methods), binary),
                api_keys=self.auth.api_keys,
                usage_plan=self.auth.usage_plan(api_name),
            )
            for name, props in methods.items():
                self.method(api, name, props)

    def preflight(self, methods: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
        """The CORS an OPTIONS method's MOCK integration answers with (CDK's
        `defaultCorsPreflightOptions`), as SAM's `Cors` keys; the first such method's."""
        for name, props in methods.items():
            integration = props.get("Integration") or {}
            verb = to_text(self.value(props.get("HttpMethod"), name) or "").upper()
            if verb != "OPTIONS" or str(integration.get("Type", "")).upper() != "MOCK":
                continue
            answers = integration.get("IntegrationResponses")
            first = answers[0] if isinstance(answers, list) and answers else {}
            headers = self.value((first or {}).get("ResponseParameters"), name)
            if not isinstance(headers, Mapping):
                return None
            prefix = "method.response.header.access-control-"
            found = {
                _PREFLIGHT[k.lower()[len(prefix) :]]: v
                for k, v in headers.items()
                if k.lower().startswith(prefix) and k.lower()[len(prefix) :] in _PREFLIGHT
            }
            if "AllowCredentials" in found:
                found["AllowCredentials"] = str(found["AllowCredentials"]).strip("'") == "true"
            return found or None
        return None

    def method(self, api: Api, name: str, props: Mapping[str, Any]) -> None:
        integration = props.get("Integration")
        if not isinstance(integration, Mapping):
            return  # a method without an integration (a CORS preflight's MOCK is one)
        kind = to_text(self.value(integration.get("Type"), name) or "")
        if kind.upper() not in (PROXY, NON_PROXY):
            if kind.upper() != "MOCK":
                self.warn(name, f"integration Type {kind} is not served (only AWS_PROXY and AWS)")
            return
        function = function_in_uri(integration.get("Uri"))
        path = self.path(props.get("ResourceId"), api.logical_id)
        if function is None or path is None:
            what = "function" if function is None else "resource path"
            self.warn(name, f"its {what} is not one this template defines; route skipped")
            return
        authorizer, key_required = self.auth.rest_method(api, name, props)
        timeout = self.value(integration.get("TimeoutInMillis"), name)
        method = to_text(self.value(props.get("HttpMethod"), f"{name}.HttpMethod") or ANY)
        route = RawRoute(
            api, method, path, function, "1.0", _millis(timeout, name, self.warn), name,
            authorizer, key_required,
            self.auth.non_proxy(integration, name) if kind.upper() == NON_PROXY else None,
            transfer_mode(
                self.value(integration.get("ResponseTransferMode"), name),
                integration.get("Uri"), name, self.warn, served=kind.upper() == PROXY,
            ),
            cfn_validation(self.typed, api.logical_id, props, name, self.warn),
        )  # fmt: skip
        self.found.routes.append(route)
        for absent in absent_path_parameters(route.validation, path):
            self.warn(name, f"requires path parameter {absent}, which {path} has not: API Gateway"
                      " answers every request 400 (Missing required request parameters)")  # fmt: skip


def _http_routes(
    typed: Typed, value: Value, warn: Warn, line: Line, found: CfnApis, auth: CfnAuth
) -> None:
    integrations = typed.get(V2 + "Integration", {})
    for api_name, api_props in typed.get(V2 + "Api", {}).items():
        if to_text(api_props.get("ProtocolType") or "").upper() != "HTTP":
            continue  # WebSocket APIs: websocket_apis
        stages = _for_api(typed, V2 + "Stage", "ApiId", api_name)
        stage = next(
            (to_text(value(p.get("StageName"), f"{k}.StageName")) for k, p in stages.items()),
            "$default",
        )
        variables = next((p.get("StageVariables") for p in stages.values()), None) or {}
        api = Api(
            logical_id=api_name,
            kind=ApiKind.HTTP,
            stage=stage,
            stage_variables=_pairs(value(variables, api_name)),
            source_line=line(api_name),
            cors=http_rules(value(api_props.get("CorsConfiguration"), api_name)),
        )
        for name, props in _for_api(typed, V2 + "Route", "ApiId", api_name).items():
            integration = integrations.get(logical_ref(props.get("Target")) or "")
            if integration is None:
                warn(name, "its Target is no integration of this template; skipped")
                continue
            kind = to_text(value(integration.get("IntegrationType"), name) or "")
            function = function_in_uri(integration.get("IntegrationUri"))
            if kind.upper() != PROXY or function is None:
                warn(name, f"integration {kind} names no function (only AWS_PROXY is served)")
                continue
            authorizer = auth.route_authorizer(api, name, props, ("CUSTOM", "JWT"))
            key = to_text(value(props.get("RouteKey"), f"{name}.RouteKey"))
            method, _, path = key.partition(" ")
            if key == DEFAULT_ROUTE:
                method, path = ANY, DEFAULT_ROUTE
            version = to_text(value(integration.get("PayloadFormatVersion"), name) or "2.0")
            timeout = value(integration.get("TimeoutInMillis"), name)
            found.routes.append(
                RawRoute(
                    api, method, path.strip(), function, version,
                    _millis(timeout, name, warn), name, authorizer,
                )
            )  # fmt: skip
