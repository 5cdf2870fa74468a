"""The APIs of a Terraform configuration, as the CloudFormation resources they stand for, so
`lamina api` serves them as it serves a CDK app's (cfn_apis, through template_reader):

- HTTP (and WebSocket) APIs: `aws_apigatewayv2_api` (`protocol_type`, `cors_configuration`,
  `route_selection_expression`), `aws_apigatewayv2_stage` (`name`, `stage_variables`),
  `aws_apigatewayv2_integration` (`integration_type`, `integration_uri`,
  `payload_format_version`: 1.0 unless set, as Terraform's default, `timeout_milliseconds`),
  `aws_apigatewayv2_route` (`route_key`, `target = "integrations/${...id}"`,
  `authorization_type`, `authorizer_id`, `authorization_scopes`).
- REST APIs: `aws_api_gateway_rest_api` (`binary_media_types`, `api_key_source`), `aws_api_gateway_resource`
  (`parent_id`: the API's `root_resource_id` or another resource's `id`, `path_part`),
  `aws_api_gateway_method` (`http_method`, `authorization`, `authorizer_id`,
  `authorization_scopes`, `api_key_required`, `request_validator_id`, `request_parameters`,
  `request_models`) with the `aws_api_gateway_integration` of the
  same resource and method (`type`, `uri`, `timeout_milliseconds`, `request_templates`,
  `request_parameters`, `passthrough_behavior`, `response_transfer_mode`),
  `aws_api_gateway_stage` (`stage_name`, `variables`), or a `aws_api_gateway_deployment`'s
  `stage_name`.
- Request validation: `aws_api_gateway_request_validator` (`validate_request_body`,
  `validate_request_parameters`), `aws_api_gateway_model` (`name`, `schema`: JSON text, a
  heredoc or `file(...)`; `jsonencode` is not evaluated, so such a model is named and unused).
- Authorizers, API keys, usage plans and integration responses: terraform_auth.
- `aws_lambda_function_url` (`function_name`, `authorization_type`, `invoke_mode`, `cors`).

A function is referred to as `aws_lambda_function.<name>.<attribute>` (invoke_arn, arn,
function_name) or `module.<name>.<output>` (the lambda module's): the names Lamina gives the
functions of the root module (project/terraform). Only the root module's resources are read;
a counted (`count`, `for_each`) API resource is read once, as if it were not counted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.gateway.template_reader import TemplateApis, TemplateReader
from lamina.gateway.terraform_auth import TRANSLATIONS as AUTH_TRANSLATIONS
from lamina.gateway.terraform_auth import join_integration_responses
from lamina.project.cfn_yaml import CfnDocument
from lamina.project.terraform_archive_sources import text_value
from lamina.project.terraform_config import Configuration
from lamina.project.terraform_expressions import UNRESOLVED

_REFERENCE = re.compile(
    r"\$\{((?:aws_[a-z0-9_]+|module)\.[A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.([a-z_]+)"
)
_FUNCTION_OWNERS = ("aws_lambda_function.", "module.")
_API_KINDS = ("aws_api_gateway_", "aws_apigatewayv2_")
# What only the deployment itself needs: nothing to say about them.
_AROUND = (
    "aws_api_gateway_account",
    "aws_api_gateway_method_settings",
    "aws_apigatewayv2_deployment",
)
V2 = "AWS::ApiGatewayV2::"
REST = "AWS::ApiGateway::"
# CloudFormation's CORS keys for Terraform's (cors_configuration, cors).
_CORS = {
    "allow_credentials": "AllowCredentials",
    "allow_headers": "AllowHeaders",
    "allow_methods": "AllowMethods",
    "allow_origins": "AllowOrigins",
    "expose_headers": "ExposeHeaders",
    "max_age": "MaxAge",
}


def read_terraform_apis(
    path: Path,
    functions: set[str],
    jwks: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
) -> TemplateApis:
    """The routes and URLs of the configuration in `path`'s folder, with `variables` as
    `-var`s. Raises ProjectError naming file and line for a syntax error."""
    config = Configuration(Path(os.path.abspath(path.parent)), os.environ, variables)
    resources: dict[str, Any] = {}
    names: dict[str, str] = {}
    unread: list[str] = []
    for _file, document in config.documents:
        for entry in document.get("resource") or []:
            for kind, named in entry.items() if isinstance(entry, Mapping) else ():
                for name, body in named.items() if isinstance(named, Mapping) else ():
                    if kind.startswith(_API_KINDS) and kind not in (*_TRANSLATIONS, *_AROUND):
                        unread.append(f"{kind}.{name}")
                    if isinstance(body, Mapping) and kind in _TRANSLATIONS:
                        address = f"{kind}.{name}"
                        cfn_type, props = _translate(kind, _Body(config, address, body))
                        resources[address] = {"Type": cfn_type, "Properties": props}
                    if kind == "aws_lambda_function" and isinstance(body, Mapping):
                        names[f"{kind}.{name}"] = name
                        resources[f"{kind}.{name}"] = _function(config, name, body)
        for entry in document.get("module") or []:
            for name in entry if isinstance(entry, Mapping) else ():
                names[f"module.{name}"] = name
    join_integration_responses(resources)
    _join_rest_integrations(resources)
    template = CfnDocument({"Resources": resources})
    apis = TemplateReader(path, template, functions, jwks, names=names).read()
    apis.warnings.extend(config.warnings)
    if unread:
        apis.warnings.append(
            f"{path.parent}: not read, lamina api serves the APIs without them: "
            + ", ".join(unread)
        )
    return apis


def _function(config: Configuration, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The function's FunctionName, when known before it is applied (its URL's id is made of
    it, as for SAM); project/terraform has already warned about one that is not."""
    warned = len(config.warnings)
    function_name = config.resolve(body.get("function_name"), name)
    del config.warnings[warned:]
    known = (
        isinstance(function_name, str)
        and "${" not in function_name
        and UNRESOLVED not in function_name
    )
    props = {"FunctionName": function_name} if known else {}
    return {"Type": "AWS::Lambda::Function", "Properties": props}


class _Body:
    """One resource's arguments: references as CloudFormation's, the rest resolved."""

    def __init__(self, config: Configuration, address: str, body: Mapping[str, Any]) -> None:
        self.config, self.address, self.body = config, address, body

    def value(self, key: str, default: Any = None, inside: Mapping[str, Any] | None = None) -> Any:
        raw = (self.body if inside is None else inside).get(key, default)
        found = _REFERENCE.search(raw) if isinstance(raw, str) else None
        if found is None:
            return self.config.resolve(raw, f"{self.address}.{key}")
        address, attribute = found.groups()
        if attribute == "root_resource_id":
            return {"Fn::GetAtt": [address, "RootResourceId"]}
        if address.startswith(_FUNCTION_OWNERS):
            return {"Fn::GetAtt": [address, "Arn"]}
        return {"Ref": address}

    def cors(self, key: str) -> dict[str, Any] | None:
        blocks = self.body.get(key)
        block = blocks[0] if isinstance(blocks, list) and blocks else blocks
        if not isinstance(block, Mapping):
            return None
        resolved = self.config.resolve(dict(block), f"{self.address}.{key}")
        return {_CORS[k]: v for k, v in resolved.items() if k in _CORS}

    def present(self, **props: Any) -> dict[str, Any]:
        return {key: value for key, value in props.items() if value is not None}

    def blocks(self, key: str) -> list[_Body]:
        """A nested block's (or blocks') arguments, read as the resource's are."""
        found = self.body.get(key)
        found = found if isinstance(found, list) else [found]
        where = f"{self.address}.{key}"
        return [_Body(self.config, where, block) for block in found if isinstance(block, Mapping)]


# Each resource Lamina reads: (the CloudFormation type it stands for, {property: argument}); an
# argument may come with its Terraform default, and a CORS block's keys are CloudFormation's.
# Resources with nested blocks (terraform_auth's) translate through a function of their own.
_Translation = (
    tuple[str, dict[str, str | tuple[str, str]]] | Callable[[Any], tuple[str, dict[str, Any]]]
)
_TRANSLATIONS: dict[str, _Translation] = {
    "aws_apigatewayv2_api": (
        V2 + "Api",
        {
            "ProtocolType": "protocol_type",
            "RouteSelectionExpression": "route_selection_expression",
            "CorsConfiguration": "cors_configuration",
        },
    ),
    "aws_apigatewayv2_stage": (
        V2 + "Stage",
        {"ApiId": "api_id", "StageName": "name", "StageVariables": "stage_variables"},
    ),
    "aws_apigatewayv2_integration": (
        V2 + "Integration",
        {
            "ApiId": "api_id",
            "IntegrationType": "integration_type",
            "IntegrationUri": "integration_uri",
            "PayloadFormatVersion": ("payload_format_version", "1.0"),
            "TimeoutInMillis": "timeout_milliseconds",
        },
    ),
    "aws_apigatewayv2_route": (
        V2 + "Route",
        {
            "ApiId": "api_id",
            "RouteKey": "route_key",
            "Target": "target",
            "AuthorizationType": "authorization_type",
            "AuthorizerId": "authorizer_id",
            "AuthorizationScopes": "authorization_scopes",
        },
    ),
    "aws_api_gateway_rest_api": (
        REST + "RestApi",
        {"BinaryMediaTypes": "binary_media_types", "ApiKeySourceType": "api_key_source"},
    ),
    "aws_api_gateway_resource": (
        REST + "Resource",
        {"RestApiId": "rest_api_id", "ParentId": "parent_id", "PathPart": "path_part"},
    ),
    "aws_api_gateway_method": (
        REST + "Method",
        {
            "RestApiId": "rest_api_id",
            "ResourceId": "resource_id",
            "HttpMethod": "http_method",
            "AuthorizationType": "authorization",
            "AuthorizerId": "authorizer_id",
            "AuthorizationScopes": "authorization_scopes",
            "ApiKeyRequired": "api_key_required",
            "RequestValidatorId": "request_validator_id",
            "RequestParameters": "request_parameters",
            "RequestModels": "request_models",
        },
    ),
    "aws_api_gateway_request_validator": (
        REST + "RequestValidator",
        {
            "RestApiId": "rest_api_id",
            "ValidateRequestBody": "validate_request_body",
            "ValidateRequestParameters": "validate_request_parameters",
        },
    ),
    "aws_api_gateway_model": (
        REST + "Model",
        {"RestApiId": "rest_api_id", "Name": "name", "Schema": "schema"},
    ),
    "aws_api_gateway_integration": (
        "Terraform::ApiGateway::Integration",  # joined to its Method (_join_rest_integrations)
        {
            "ResourceId": "resource_id",
            "HttpMethod": "http_method",
            "Type": "type",
            "Uri": "uri",
            "TimeoutInMillis": "timeout_milliseconds",
            "RequestTemplates": "request_templates",
            "RequestParameters": "request_parameters",
            "PassthroughBehavior": "passthrough_behavior",
            "ResponseTransferMode": "response_transfer_mode",
        },
    ),
    "aws_api_gateway_stage": (
        REST + "Stage",
        {"RestApiId": "rest_api_id", "StageName": "stage_name", "Variables": "variables"},
    ),
    "aws_api_gateway_deployment": (
        REST + "Deployment",
        {"RestApiId": "rest_api_id", "StageName": "stage_name"},
    ),
    "aws_lambda_function_url": (
        "AWS::Lambda::Url",
        {
            "TargetFunctionArn": "function_name",
            "AuthType": "authorization_type",
            "InvokeMode": "invoke_mode",
            "Cors": "cors",
        },
    ),
    **AUTH_TRANSLATIONS,
}
_CORS_BLOCKS = frozenset({"cors_configuration", "cors"})


def _translate(kind: str, b: _Body) -> tuple[str, dict[str, Any]]:
    """The CloudFormation type and properties of a `kind` resource (those it sets)."""
    translation = _TRANSLATIONS[kind]
    if callable(translation):
        return translation(b)
    cfn_type, arguments = translation
    props = {}
    for prop, argument in arguments.items():
        name, default = argument if isinstance(argument, tuple) else (argument, None)
        value: Any
        if name in _CORS_BLOCKS:
            value = b.cors(name)
        elif name == "schema":  # JSON text: a string, a heredoc or file(...)
            value = text_value(b.config, b.body.get(name), f"{b.address}.{name}")
        elif name == "request_models" and isinstance(models := b.body.get(name), Mapping):
            value = {k: b.value(k, None, models) for k in models}  # each a name or a reference
        else:
            value = b.value(name, default)
        if value is not None:
            props[prop] = value
    return cfn_type, props


def _join_rest_integrations(resources: dict[str, Any]) -> None:
    """Each aws_api_gateway_integration into the Method of its resource and method, as
    CloudFormation's Method holds its Integration. `http_method` may name the method
    (`aws_api_gateway_method.m.http_method`) or repeat its verb."""
    methods = {k: r["Properties"] for k, r in resources.items() if r["Type"] == REST + "Method"}
    for address in [k for k, r in resources.items() if r["Type"].startswith("Terraform::")]:
        integration = resources.pop(address)["Properties"]
        verb = integration.pop("HttpMethod", None)
        resource = integration.pop("ResourceId", None)
        for name, method in methods.items():
            if verb == {"Ref": name} or (
                resource == method.get("ResourceId") and verb == method.get("HttpMethod")
            ):
                method["Integration"] = integration
