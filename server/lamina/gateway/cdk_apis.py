"""The APIs of a CDK app: each stack template of its cloud assembly (cdk.out), nested stacks
and Stages' assemblies included, read by template_reader as any template is.

`cdk synth` writes the APIs as plain CloudFormation (cfn_apis): `AWS::ApiGateway*`,
`AWS::ApiGatewayV2*` (HTTP and WebSocket) and `AWS::Lambda::Url`. Their integrations name a
function by its logical id in the stack (`Fn::GetAtt [Orders5A7C1F2B, Arn]`); Lamina knows
the function by its construct path (`OrdersStack/Orders`, project/cdk), so each stack's ids
are mapped to those names. The routes of all stacks make one table, as `lamina api` serves
every API on one port.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.gateway.template_reader import TemplateApis, TemplateReader
from lamina.gateway.websocket_apis import logical_ref
from lamina.project.cdk import CDK_PATH, construct_name, nested_template, stack_templates
from lamina.project.cfn_yaml import parse_cfn_json
from lamina.project.spec import ProjectError
from lamina.project.template import LAMBDA_FUNCTION

_MAX_DEPTH = 5  # of nested stacks, as project/cdk reads them
_API_TYPES = ("AWS::ApiGateway::", "AWS::ApiGatewayV2::")
# Read (cfn_apis, cfn_auth, websocket_apis), or what changes nothing here: the CloudWatch
# role's Account, a Deployment's, responses and models of non-proxy integrations, the keys a
# usage plan's keys link.
_READ_OR_AROUND = {
    "RestApi", "Resource", "Method", "Stage", "Deployment", "Api", "Route", "Integration",
    "RouteResponse", "Account", "IntegrationResponse", "Model", "GatewayResponse",
    "Authorizer", "UsagePlan", "ApiKey", "UsagePlanKey", "RequestValidator",
}  # fmt: skip


def read_cdk_apis(
    manifest: Path, functions: set[str], jwks: Mapping[str, str] | None = None
) -> TemplateApis:
    """The routes, URLs and WebSocket APIs of every stack in the assembly of `manifest`, to
    the functions named in `functions` (construct paths). Raises ProjectError when the
    manifest or a template is broken."""
    result = TemplateApis()
    assembly = Path(os.path.abspath(manifest.parent))
    unread: list[str] = []
    for template, _stack in stack_templates(assembly):
        _read_stack(template, functions, jwks, result, unread, depth=0)
    if unread:
        result.warnings.append(
            f"{manifest}: not read, lamina api serves the APIs without them: " + ", ".join(unread)
        )
    return result


def _read_stack(
    template: Path,
    functions: set[str],
    jwks: Mapping[str, str] | None,
    result: TemplateApis,
    unread: list[str],
    depth: int,
) -> None:
    try:
        text = template.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"cannot read: {error}", template) from None
    document = parse_cfn_json(text, template)
    resources = document.data.get("Resources") if isinstance(document.data, Mapping) else None
    if not isinstance(resources, Mapping):
        return
    names: dict[str, str] = {}
    children: list[Path] = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        kind = str(resource.get("Type"))
        if kind.startswith(_API_TYPES) and (
            kind.split("::")[-1] not in _READ_OR_AROUND or _guards_websockets(resource, resources)
        ):
            unread.append(f"{construct_name(str(logical_id), resource)} ({kind})")
        if kind == LAMBDA_FUNCTION:
            names[str(logical_id)] = construct_name(str(logical_id), resource)
        child = nested_template(template.parent, resource)
        if child is not None and depth < _MAX_DEPTH:
            children.append(child)
    before = len(result.warnings)
    TemplateReader(template, document, functions, jwks, names=names, result=result).read()
    result.warnings[before:] = [_by_path(w, resources) for w in result.warnings[before:]]
    for child in children:
        _read_stack(child, functions, jwks, result, unread, depth + 1)


def _guards_websockets(resource: Mapping[str, Any], resources: Mapping[str, Any]) -> bool:
    """An authorizer of a WebSocket API's `$connect`, which Lamina does not run."""
    if resource.get("Type") != "AWS::ApiGatewayV2::Authorizer":
        return False
    api = resources.get(logical_ref((resource.get("Properties") or {}).get("ApiId")) or "")
    props = api.get("Properties") if isinstance(api, Mapping) else None
    return isinstance(props, Mapping) and str(props.get("ProtocolType")).upper() == "WEBSOCKET"


def _by_path(warning: str, resources: Mapping[str, Any]) -> str:
    """A warning about a resource, named by its construct path (what the app's code calls it)
    rather than by the logical id `cdk synth` made up."""
    logical_id, sep, rest = warning.partition(":")
    logical_id, dot, field = logical_id.partition(".")
    resource = resources.get(logical_id)
    if (
        not sep
        or not isinstance(resource, Mapping)
        or CDK_PATH not in (resource.get("Metadata") or {})
    ):
        return warning
    return construct_name(logical_id, resource) + dot + field + sep + rest
