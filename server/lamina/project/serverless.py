"""Read the Python functions of a Serverless Framework service (serverless.yml, v3 and v4).

    service: orders
    provider: {name: aws, runtime: python3.12, stage: "${opt:stage, 'dev'}", memorySize: 512}
    functions:
      create:
        handler: src/handlers/orders.create     # path/module.function, from the service folder
        environment: {TABLE: "${self:service}-${sls:stage}"}

A function is named by its key under `functions:` (the logical id) and deploys as its `name`,
else `<service>-<stage>-<key>` (the framework's default). Its code folder is the service folder,
as the framework packages it, so `src/handlers/orders.create` runs as it does on Lambda.
`provider` gives the defaults for runtime, timeout (6 s), memorySize (1024 MB), environment
(merged key by key, the function's winning), architecture, role and layers (serverless_layers). Variables are resolved as
serverless_variables says. serverless.ts/.js/.json configurations are code, not read: one error
says so. A function with a non-Python runtime or an image is skipped with a warning.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.project.cfn_yaml import load_cfn_yaml
from lamina.project.serverless_events import sam_events
from lamina.project.serverless_files import (
    SERVERLESS_FILE_NAMES,
    UNREAD_FILE_NAMES,
    find_serverless_file,
)
from lamina.project.serverless_layers import function_layers, service_layers
from lamina.project.serverless_package import package_warnings
from lamina.project.serverless_plugins import offline_address, plugin_names, plugin_warnings
from lamina.project.serverless_variables import VariableResolver
from lamina.project.spec import DEFAULT_ROLE, FunctionSpec, ProjectError
from lamina.project.template import TemplateFunctions

FRAMEWORK_TIMEOUT_S = 6
FRAMEWORK_MEMORY_MB = 1024


def read_serverless(
    path: Path,
    environ: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
) -> TemplateFunctions:
    """The functions of one serverless.yml, with `options` as the framework's command-line
    options (`stage`, `region`, any `${opt:NAME}`) and `params` as serverless-compose.yml's
    for the service. Raises ProjectError naming file and line."""
    path = Path(os.path.abspath(path))
    if path.name in UNREAD_FILE_NAMES:
        raise ProjectError(
            "a configuration written as code is not read; Lamina reads serverless.yml "
            "(`serverless print > serverless.yml` writes the resolved one)",
            path,
        )
    document = load_cfn_yaml(path, entries="functions")
    result = TemplateFunctions(path=path)
    data = document.data
    if not isinstance(data, Mapping):
        raise ProjectError("serverless.yml must be a mapping (service, provider, functions)", path)
    resolver = VariableResolver(data, path.parent, environ, options, params)
    provider = resolver.resolve(data.get("provider") or {}, "provider")
    if not isinstance(provider, Mapping):
        raise ProjectError("provider must be a mapping", path, document.section_line("provider"))
    if provider.get("name", "aws") != "aws":
        raise ProjectError(f"provider {provider.get('name')} is not AWS", path)
    service = resolver.resolve(data.get("service"), "service")
    if isinstance(service, Mapping):  # v2's `service: {name: ...}`
        service = service.get("name")
    functions = _functions(data.get("functions"), resolver)
    if not isinstance(functions, Mapping):
        line = document.section_line("functions")
        raise ProjectError("functions must be a mapping of function names", path, line)
    package = resolver.resolve(data.get("package"), "package")
    layers = service_layers(
        resolver.resolve(data.get("layers"), "layers"), resolver.service_dir, result.warnings
    )
    for key, raw in functions.items():
        line = document.resource_line(str(key))
        if not isinstance(raw, Mapping):
            raise ProjectError(f"function '{key}' must be a mapping with a handler", path, line)
        settings = resolver.resolve(raw, f"functions.{key}")
        spec = _function(str(key), settings, provider, str(service or "service"), resolver)
        if isinstance(spec, str):
            result.warnings.append(f"functions.{key}: skipped: {spec}")
            continue
        if spec is None:
            raise ProjectError(
                f"function '{key}': handler is missing (expected path/module.function)", path, line
            )
        spec.source_path, spec.source_line = path, line
        spec.layers = function_layers(str(key), settings, provider, layers, result.warnings)
        result.functions.append(spec)
        handler_file = spec.handler_path.relative_to(spec.code_dir).as_posix()
        result.warnings.extend(package_warnings(str(key), settings, package, handler_file))
    custom = data.get("custom")
    if isinstance(custom, Mapping) and "serverless-offline" in custom:
        offline = resolver.resolve(custom["serverless-offline"], "custom.serverless-offline")
        custom = {**custom, "serverless-offline": offline}
    result.warnings.extend(plugin_warnings(data.get("plugins"), custom))
    if "serverless-offline" in plugin_names(data.get("plugins")):
        result.api_host, result.api_port = offline_address(custom)
    result.warnings.extend(resolver.warnings)
    return result


def _function(
    key: str,
    settings: Mapping[str, Any],
    provider: Mapping[str, Any],
    service: str,
    resolver: VariableResolver,
) -> FunctionSpec | str | None:
    """The spec, a reason to skip the function, or None when it has no handler."""
    if settings.get("image") is not None:
        return "a container image is not supported"
    runtime = settings.get("runtime") or provider.get("runtime")
    if runtime is None:
        return "no runtime (the framework's default is Node.js); set provider.runtime"
    if not str(runtime).startswith("python"):
        return f"runtime {runtime} is not a Python runtime"
    handler = settings.get("handler")
    if not isinstance(handler, str) or not handler.strip():
        return None
    environment = {
        **_environment(provider.get("environment")),
        **_environment(settings.get("environment")),
    }
    architecture = settings.get("architecture") or provider.get("architecture") or "x86_64"
    iam = provider.get("iam")
    role = (
        settings.get("role")
        or provider.get("role")
        or (iam.get("role") if isinstance(iam, Mapping) else None)
    )
    return FunctionSpec(
        logical_id=key,
        handler=handler.strip(),
        code_dir=resolver.service_dir,
        function_name=str(settings.get("name") or f"{service}-{resolver.stage}-{key}"),
        runtime=str(runtime),
        timeout=_integer(
            settings.get("timeout", provider.get("timeout")), FRAMEWORK_TIMEOUT_S, key, resolver
        ),
        memory_size=_integer(
            settings.get("memorySize", provider.get("memorySize")),
            FRAMEWORK_MEMORY_MB,
            key,
            resolver,
        ),
        environment=environment,
        role=role if isinstance(role, str) and role.startswith("arn:") else DEFAULT_ROLE,
        architectures=[str(architecture)],
        source="serverless",
        template_events=sam_events(key, settings.get("events"), resolver.warnings),
    )


def _functions(raw: Any, resolver: VariableResolver) -> Any:
    """`functions:` as a mapping: written in place, from `${file(...)}`, or a list of both
    (the framework merges them, in order)."""
    if isinstance(raw, str) and "${" in raw:
        raw = resolver.resolve(raw, "functions")
    if isinstance(raw, list):
        merged: dict[str, Any] = {}
        for part in raw:
            part = resolver.resolve(part, "functions") if isinstance(part, str) else part
            if not isinstance(part, Mapping):
                return raw
            merged.update(part)
        return merged
    return raw or {}


def _environment(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key): _text(item) for key, item in value.items() if item is not None}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Mapping, list)):
        import json

        return json.dumps(value)
    return str(value)


def _integer(value: Any, default: int, key: str, resolver: VariableResolver) -> int:
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    resolver.warnings.append(f"functions.{key}: {value!r} is not a whole number; using {default}")
    return default


__all__ = ["SERVERLESS_FILE_NAMES", "UNREAD_FILE_NAMES", "find_serverless_file", "read_serverless"]
