"""Reading a template's APIs and routes: what `lamina api` serves.

- `Events: Type: Api` (REST, payload 1.0) and `Type: HttpApi` (payload 2.0 unless
  `PayloadFormatVersion: "1.0"`; no Path and Method means the `$default` route).
- Without `RestApiId`/`ApiId` an event belongs to SAM's implicit API: `ServerlessRestApi`,
  deployed as stage `Prod`, or `ServerlessHttpApi` on stage `$default`.
- `AWS::Serverless::Api` / `AWS::Serverless::HttpApi`: `StageName`, `BinaryMediaTypes`,
  `Variables`/`StageVariables`, and routes from an inline OpenAPI `DefinitionBody` (or a local
  `DefinitionUri` file) whose `x-amazon-apigateway-integration` points at a function.
- `Globals.Api` / `Globals.HttpApi` apply under each API's own properties.
- The same APIs written as plain CloudFormation (`AWS::ApiGateway*`, `AWS::Lambda::Url`: what
  `cdk synth` writes) are read by cfn_apis; their routes join the same table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.gateway.api_table import TemplateApis, used_functions
from lamina.gateway.cfn_apis import read_cfn_apis
from lamina.gateway.cors import binary_everything, http_rules, rest_rules
from lamina.gateway.definition_files import definition_file
from lamina.gateway.function_urls import AUTH_IAM, AUTH_NONE, FunctionUrl, url_id_for
from lamina.gateway.nonproxy import NonProxyIntegration, non_proxy
from lamina.gateway.plan_links import by_type, stage_plans
from lamina.gateway.request_validation import RequestValidation
from lamina.gateway.rest_stream_mode import openapi_streams, transfer_mode
from lamina.gateway.routes import ANY, DEFAULT_ROUTE, Api, ApiKind, Route
from lamina.gateway.template_auth import (
    AnyAuthorizer,
    TemplateAuth,
    function_in_arn,
    function_in_uri,
)
from lamina.gateway.usage_plans import StagePlans, UsagePlan, usage_plan
from lamina.gateway.validation_readers import openapi_validation, sam_validation
from lamina.gateway.websocket_apis import read_websocket_apis
from lamina.project.cfn_values import NO_VALUE, to_text
from lamina.project.cfn_yaml import CfnDocument
from lamina.project.intrinsics import IntrinsicResolver
from lamina.project.sam_globals import merge_globals

__all__ = ["TemplateApis", "TemplateReader", "used_functions"]  # TemplateApis lives in api_table

IMPLICIT_REST = "ServerlessRestApi"
IMPLICIT_HTTP = "ServerlessHttpApi"
SERVERLESS_FUNCTION = "AWS::Serverless::Function"
_API_TYPES = {"AWS::Serverless::Api": ApiKind.REST, "AWS::Serverless::HttpApi": ApiKind.HTTP}
_OPENAPI_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_ANY_METHOD = "x-amazon-apigateway-any-method"


class TemplateReader:
    """One template's routes, URLs and WebSocket APIs, added to `result` (shared by the stacks
    of a CDK app). `names` maps a function's logical id here to its name in `functions`
    (a CDK function's construct path); unmapped ids name themselves."""

    def __init__(
        self,
        path: Path,
        document: CfnDocument,
        functions: set[str],
        jwks: Mapping[str, str] | None = None,
        names: Mapping[str, str] | None = None,
        result: TemplateApis | None = None,
    ) -> None:
        self.path = path
        self.document = document
        self.functions = functions
        self.names = dict(names or {})
        data = document.data
        self.resources: Mapping[str, Any] = data.get("Resources") or {}
        self.globals: Mapping[str, Any] = data.get("Globals") or {}
        self.resolver = IntrinsicResolver(data)
        self.apis: dict[str, Api] = {}
        # (API, method, path) of routes from events: a DefinitionBody operation replaces them (add)
        self.event_routes: set[tuple[str, str, str]] = set()
        self.result = TemplateApis() if result is None else result
        self.auth = TemplateAuth(
            self.resources, self.globals, functions, jwks or {}, self.value, self.warn
        )

    def value(self, raw: Any, where: str) -> Any:
        value = self.resolver.resolve(raw, where)
        return None if value is NO_VALUE else value

    def warn(self, where: str, message: str) -> None:
        self.result.warnings.append(f"{where}: {message}")

    # --- APIs ---------------------------------------------------------------------------------

    def api(self, logical_id: str, kind: ApiKind) -> Api:
        if logical_id in self.apis:
            return self.apis[logical_id]
        resource = self.resources.get(logical_id)
        own = (resource or {}).get("Properties") or {}
        props = merge_globals(self.globals.get("Api" if kind is ApiKind.REST else "HttpApi"), own)
        if not isinstance(props, Mapping):
            props = {}
        default_stage = "$default" if kind is ApiKind.HTTP else "Prod"
        stage = to_text(self.value(props.get("StageName"), f"{logical_id}.StageName") or "")
        if logical_id in (IMPLICIT_REST, IMPLICIT_HTTP) or not stage:
            stage = default_stage
        variables = self.value(
            props.get("Variables" if kind is ApiKind.REST else "StageVariables"),
            f"{logical_id}.Variables",
        )
        raw = self.value(props.get("BinaryMediaTypes"), f"{logical_id}.BinaryMediaTypes")
        binary = tuple(to_text(t) for t in raw or ())
        api = Api(
            logical_id=logical_id,
            kind=kind,
            stage=stage,
            binary_media_types=binary,
            stage_variables=tuple(
                sorted((str(k), to_text(v)) for k, v in (variables or {}).items())
            ),
            source_line=self.document.resource_line(logical_id),
            api_keys=self.auth.api_keys,
            usage_plan=self.usage_plan(logical_id, kind, props),
            cors=rest_rules(self.value(props.get("Cors"), f"{logical_id}.Cors"), binary)
            if kind is ApiKind.REST
            else http_rules(
                self.value(props.get("CorsConfiguration"), f"{logical_id}.CorsConfiguration")
            ),
        )
        self.apis[logical_id] = api
        if api.cors is not None and not api.cors.http_api and binary_everything(binary):
            message = "with Cors: API Gateway answers every preflight 500 (its mock OPTIONS method"
            self.warn(logical_id, f"BinaryMediaTypes */* {message} takes no binary), as here")
        self.auth.read_authorizers(logical_id, kind, props.get("Auth"))
        return api

    def usage_plan(
        self, logical_id: str, kind: ApiKind, props: Mapping[str, Any]
    ) -> UsagePlan | StagePlans | None:
        auth = props.get("Auth")
        if kind is not ApiKind.REST:
            return None
        where = f"{logical_id}.Auth.UsagePlan"
        config = self.value(auth.get("UsagePlan"), where) if isinstance(auth, Mapping) else None
        own = usage_plan(logical_id, config, lambda message: self.warn(where, message))
        return own or stage_plans(by_type(self.resources), self.value, self.warn, logical_id)

    def referenced_api(self, raw: Any, kind: ApiKind, where: str) -> Api | None:
        if raw is None:
            return self.api(IMPLICIT_REST if kind is ApiKind.REST else IMPLICIT_HTTP, kind)
        name = raw.get("Ref") if isinstance(raw, Mapping) else raw
        resource = self.resources.get(str(name)) if isinstance(name, str) else None
        if resource is None or _API_TYPES.get(resource.get("Type")) is not kind:
            self.warn(where, f"refers to {to_text(raw)}, which is not an API of this kind here")
            return None
        return self.api(str(name), kind)

    # --- events -------------------------------------------------------------------------------

    def function_events(self, logical_id: str, properties: Mapping[str, Any]) -> None:
        events = properties.get("Events") or {}
        if not isinstance(events, Mapping):
            return
        line = self.document.resource_line(logical_id)
        for name, event in events.items():
            if not isinstance(event, Mapping):
                continue
            kind = {"Api": ApiKind.REST, "HttpApi": ApiKind.HTTP}.get(str(event.get("Type")))
            if kind is None:
                continue
            where = f"{logical_id}.Events.{name}"
            props = event.get("Properties") or {}
            api = self.referenced_api(
                props.get("RestApiId" if kind is ApiKind.REST else "ApiId"), kind, where
            )
            if api is None:
                continue
            path = self.value(props.get("Path"), f"{where}.Path")
            method = self.value(props.get("Method"), f"{where}.Method")
            if kind is ApiKind.REST and (not path or not method):
                self.warn(where, "an Api event needs Path and Method; skipped")
                continue
            version = "1.0" if kind is ApiKind.REST else "2.0"
            if kind is ApiKind.HTTP:
                version = to_text(self.value(props.get("PayloadFormatVersion"), where) or "2.0")
            timeout = self.value(props.get("TimeoutInMillis"), f"{where}.TimeoutInMillis")
            mode = self.value(props.get("ResponseTransferMode"), where)  # SAM's since 2025
            self.add(
                api,
                to_text(method or ANY),
                to_text(path) if path else DEFAULT_ROUTE,
                logical_id,
                version,
                int(timeout) if timeout else None,
                line,
                where,
                self.auth.route_authorizer(api, props.get("Auth"), where),
                self.auth.key_required(api, props.get("Auth"), where),
                event=True,
                stream=transfer_mode(mode, None, where, self.warn, served=kind is ApiKind.REST),
                validation=sam_validation(
                    self.resources, self.globals, api, props, where, self.warn
                ),
            )

    def add(
        self,
        api: Api,
        method: str,
        path: str,
        function: str,
        version: str,
        timeout_ms: int | None,
        line: int | None,
        where: str,
        authorizer: AnyAuthorizer | None = None,
        api_key_required: bool = False,
        integration: NonProxyIntegration | None = None,
        *,
        event: bool = False,
        from_definition: bool = False,
        stream: bool = False,
        validation: RequestValidation | None = None,
    ) -> None:
        method = method.upper()
        if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" or method == "*":
            method = ANY
        if path != DEFAULT_ROUTE and not path.startswith("/"):
            path = "/" + path
        if path == "/$default":
            path = DEFAULT_ROUTE
        if function not in self.functions:
            self.warn(where, f"function {function} is not one Lamina runs here; route skipped")
            return
        api, authorizer, api_key_required = self.auth.route_keys(
            api, method, path, authorizer, api_key_required, where
        )
        route = Route(
            api, method, path, function, version, timeout_ms, line, authorizer, api_key_required,
            integration, stream, validation,
        )  # fmt: skip
        key = (api.logical_id, method, path)
        for index, known in enumerate(self.result.routes):
            if (known.method, known.path) != (method, path):
                continue
            # SAM adds an event's integration to an API's own DefinitionBody only where the body
            # has none (samtranslator's OpenApiEditor; a REST API's event adds only a permission),
            # so the body's operation is the one deployed, whichever is read first.
            if known.api.logical_id == api.logical_id:
                if from_definition and key in self.event_routes:
                    self.event_routes.discard(key)
                    self.result.routes[index] = route
                    return
                if event and key not in self.event_routes:
                    return
            self.warn(where, f"{route.route_key} is already served by {known.function}")
            return
        if event:
            self.event_routes.add(key)
        self.result.routes.append(route)

    def function_url(self, logical_id: str, properties: Mapping[str, Any]) -> None:
        config = self.value(properties.get("FunctionUrlConfig"), f"{logical_id}.FunctionUrlConfig")
        if isinstance(config, Mapping):
            self.add_url(logical_id, config, f"{logical_id}.FunctionUrlConfig")

    def add_url(self, logical_id: str, config: Mapping[str, Any], where: str) -> None:
        """The Function URL of the function `logical_id` names here, from a FunctionUrlConfig or
        an AWS::Lambda::Url's properties (the same keys)."""
        function = self.names.get(logical_id, logical_id)
        if function not in self.functions:
            self.warn(where, f"function {function} is not one Lamina runs here; URL skipped")
            return
        auth = to_text(config.get("AuthType") or AUTH_NONE)
        if auth not in (AUTH_NONE, AUTH_IAM):
            self.warn(where, f"AuthType {auth} is not NONE or AWS_IAM; using NONE")
            auth = AUTH_NONE
        properties = (self.resources.get(logical_id) or {}).get("Properties") or {}
        name = to_text(self.value(properties.get("FunctionName"), where) or logical_id)
        self.result.function_urls.append(
            FunctionUrl(
                url_id=url_id_for(name),
                function=function,
                auth_type=auth,
                invoke_mode=to_text(self.value(config.get("InvokeMode"), where) or "BUFFERED"),
                cors=http_rules(self.value(config.get("Cors"), f"{where}.Cors")),
            )
        )

    def runnable(self, logical_id: str) -> str | None:
        """The name Lamina runs the function `logical_id` names here by, or None."""
        name = self.names.get(logical_id, logical_id)
        return name if name in self.functions else None

    def cloudformation_apis(self) -> None:
        """The routes and URLs of the template's plain CloudFormation resources (cfn_apis)."""
        found = read_cfn_apis(
            self.resources, self.value, self.warn, self.document.resource_line, self.auth,
            self.runnable,
        )  # fmt: skip
        for raw in found.routes:
            function = self.names.get(raw.function, raw.function)
            line = self.document.resource_line(raw.resource)
            self.add(
                raw.api, raw.method, raw.path, function, raw.payload_version, raw.timeout_ms,
                line, raw.resource, raw.authorizer, raw.api_key_required, raw.integration,
                stream=raw.stream, validation=raw.validation,
            )  # fmt: skip
        for url in found.urls:
            self.add_url(url.function, url.config, url.resource)

    # --- OpenAPI definitions ------------------------------------------------------------------

    def definitions(self, logical_id: str, kind: ApiKind, props: Mapping[str, Any]) -> None:
        body = props.get("DefinitionBody")
        where = f"{logical_id}.DefinitionBody"
        if body is None and isinstance(props.get("DefinitionUri"), str):
            body = definition_file(props["DefinitionUri"], self.path.parent, logical_id, self.warn)
            where = f"{logical_id}.DefinitionUri"
        if not isinstance(body, Mapping):
            return
        if "Fn::Transform" in body:  # AWS::Include: the file named in its Location
            location = ((body["Fn::Transform"] or {}).get("Parameters") or {}).get("Location")
            body = (
                definition_file(location, self.path.parent, logical_id, self.warn)
                if location
                else None
            )
            if not isinstance(body, Mapping):
                return
        paths = body.get("paths") or {}
        api = self.api(logical_id, kind)
        line = self.document.resource_line(logical_id)
        for path, operations in paths.items() if isinstance(paths, Mapping) else ():
            if not isinstance(operations, Mapping):
                continue
            for method, operation in operations.items():
                if method not in (*_OPENAPI_METHODS, _ANY_METHOD) or not isinstance(
                    operation, Mapping
                ):
                    continue
                at = f"{where}.paths.{path}.{method}"
                integration = operation.get("x-amazon-apigateway-integration") or {}
                uri = integration.get("uri")
                function = function_in_uri(uri) or function_in_arn(uri, self.resources, self.value)
                if function is None:
                    self.unserved(integration, at)
                    continue
                default = "1.0" if kind is ApiKind.REST else "2.0"
                version = str(integration.get("payloadFormatVersion") or default)
                timeout = integration.get("timeoutInMillis")
                self.add(
                    api,
                    ANY if method == _ANY_METHOD else method,
                    str(path),
                    function,
                    version,
                    int(timeout) if timeout else None,
                    line,
                    at,
                    self.auth.operation_authorizer(api, body, operation, f"{where}.paths.{path}"),
                    integration=non_proxy(integration) if kind is ApiKind.REST else None,
                    from_definition=True,
                    stream=openapi_streams(integration, kind is ApiKind.REST, at, self.warn),
                    validation=openapi_validation(body, operations, operation, api, at, self.warn),
                )

    def unserved(self, integration: Mapping[str, Any], where: str) -> None:
        """Names an operation whose integration runs no function here (an AWS service's, HTTP);
        a MOCK (a CORS preflight's) and an operation without one (an event adds it) say nothing."""
        kind = to_text(integration.get("type") or "")
        if kind and kind.lower() != "mock":
            what = to_text(integration.get("integrationSubtype") or "") or f"type {kind}"
            self.warn(where, f"its {what} integration calls no function here; route skipped")

    # --- the whole template -------------------------------------------------------------------

    def read(self) -> TemplateApis:
        function_globals = self.globals.get("Function") or {}
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, Mapping):
                continue
            kind = resource.get("Type")
            props = resource.get("Properties") or {}
            if kind == SERVERLESS_FUNCTION and isinstance(props, Mapping):
                merged = merge_globals(function_globals, props)
                self.function_events(str(logical_id), merged)
                self.function_url(str(logical_id), merged)
            elif kind in _API_TYPES and isinstance(props, Mapping):
                self.definitions(str(logical_id), _API_TYPES[kind], props)
        self.cloudformation_apis()
        known = self.functions | {k for k, name in self.names.items() if name in self.functions}
        for api in read_websocket_apis(self.resources, known, self.value, self.warn):
            routes = tuple((key, self.names.get(f, f)) for key, f in api.routes)
            self.result.websocket_apis.append(dataclasses.replace(api, routes=routes))
        self.result.warnings.extend(self.resolver.warnings)
        return self.result
