"""A Serverless Framework service's `http` and `httpApi` events as a SAM template's APIs, so
`lamina api` serves serverless.yml as it serves template.yaml.

project/serverless_events already maps each function's events into SAM's shape
(`FunctionSpec.template_events`: `http` → `Type: Api`, `httpApi` → `Type: HttpApi`). Here they
become a small template document that template_apis reads like any other:

- `http` events belong to the REST API the framework deploys (`ApiGatewayRestApi`, its logical
  id), on the service's stage (`provider.stage`, else `dev`), so events say
  `requestContext.stage: dev` and `requestContext.path: /dev/hello` as on AWS; Lamina serves the
  routes without the stage prefix, as `sam local start-api` and `lamina api` do for SAM.
- `httpApi` events belong to its HTTP API (`HttpApi`) on stage `$default`, payload 2.0.
- Their `cors`, `authorizer` and `private` settings, `provider.httpApi` and the API keys are
  added in SAM's shape (serverless_auth).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.gateway.serverless_auth import service_api_settings
from lamina.project.cfn_yaml import CfnDocument, load_cfn_yaml
from lamina.project.serverless import SERVERLESS_FILE_NAMES, read_serverless
from lamina.project.serverless_variables import VariableResolver

REST_API = "ApiGatewayRestApi"  # the framework's logical ids for the APIs it deploys
HTTP_API = "HttpApi"
SERVERLESS_FUNCTION = "AWS::Serverless::Function"


def is_serverless_file(path: Path) -> bool:
    return path.name in SERVERLESS_FILE_NAMES


def service_stage(path: Path, options: Mapping[str, str] | None = None) -> str:
    """The stage serverless.yml deploys to: `--stage` (in `options`, the framework's
    command-line options), else `provider.stage` resolved, else the framework's default (dev)."""
    data = load_cfn_yaml(path, entries="functions").data
    if not isinstance(data, dict):
        return VariableResolver({}, path.parent, options=options).stage
    return VariableResolver(data, path.parent, options=options).stage


def serverless_document(
    path: Path, options: Mapping[str, str] | None = None
) -> tuple[CfnDocument, list[str]]:
    """serverless.yml's API events as a template (the two APIs and each function's events),
    read with `options` as the framework's command-line options (`--stage`, `${opt:...}`), and
    warnings for what it leaves out (Raises ProjectError as reading the service does)."""
    service = read_serverless(path, options=options)
    names = {s.function_name: s.logical_id for s in service.functions}
    extra = service_api_settings(path, names, options)
    resources: dict[str, Any] = {
        REST_API: {
            "Type": "AWS::Serverless::Api",
            "Properties": {"StageName": service_stage(path, options), **extra.rest},
        },
        HTTP_API: {"Type": "AWS::Serverless::HttpApi", "Properties": extra.http},
        **extra.resources,
    }
    lines = {}
    for spec in service.functions:
        events = {}
        for name, event in spec.template_events.items():
            kind = event.get("Type")
            if kind not in ("Api", "HttpApi"):
                continue
            properties = dict(event.get("Properties") or {})
            properties.update(extra.events.get((spec.logical_id, name), {}))
            if kind == "Api":
                properties.setdefault("RestApiId", {"Ref": REST_API})
            else:
                properties.setdefault("ApiId", {"Ref": HTTP_API})
            events[name] = {"Type": kind, "Properties": properties}
        resources[spec.logical_id] = {
            "Type": SERVERLESS_FUNCTION,
            "Properties": {"Events": events},
        }
        if spec.source_line is not None:
            lines[spec.logical_id] = spec.source_line
    return CfnDocument({"Resources": resources}, resource_lines=lines), extra.warnings
