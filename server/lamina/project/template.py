"""Read the Lambda functions of a SAM/CloudFormation template (template.yaml or template.yml).

Reads `AWS::Serverless::Function` (with `Globals.Function` merged underneath: mappings merge key
by key, everything else the function's own value wins) and `AWS::Lambda::Function`. Functions
Lamina can't run locally (non-Python runtimes, container images, inline or S3 code) are skipped
with a warning. A template that is broken raises ProjectError naming the file and line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.project.architectures import function_architectures
from lamina.project.cfn_values import NO_VALUE, to_text
from lamina.project.cfn_yaml import CfnDocument, load_cfn_yaml
from lamina.project.function_url_config import url_config_of
from lamina.project.inline_code import inline_code_dir
from lamina.project.intrinsics import IntrinsicResolver
from lamina.project.layers import custom_build_warning, function_layers, read_layer_resources
from lamina.project.load_cancel import checkpoint
from lamina.project.native_wheels import foreign_wheel_warning
from lamina.project.nested_stacks import NESTED_STACK_KINDS, NestedStack, nested_stack
from lamina.project.sam_globals import (
    function_globals_of,
    mapping_section,
    merge_globals,
    with_global_layers,
)
from lamina.project.spec import (
    DEFAULT_MEMORY_MB,
    DEFAULT_ROLE,
    DEFAULT_TIMEOUT_S,
    LOCAL_RUNTIME,
    FunctionSpec,
    LayerSpec,
    ProjectError,
)
from lamina.project.stack_context import StackContext
from lamina.project.storage import (
    IAM_NOT_ENFORCED,
    IAM_NOT_ENFORCED_MESSAGE,
    ephemeral_storage,
    file_system_mounts,
    not_reproduced,
    reserved_concurrency,
)
from lamina.project.warning_groups import grouped
from lamina.project.zip_code import unpacked_code
from lamina.runtime.managed_concurrency import template_concurrency

TEMPLATE_FILE_NAMES = ("template.yaml", "template.yml", "template.json")
SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"

_Property = Callable[[str], Any]  # a function's property, merged and resolved
_Failure = Callable[[str], ProjectError]  # an error naming the function, file and line
_Skip = Callable[[str], None]  # records why a function is skipped


def find_template(root: Path) -> Path | None:
    """The project's template: template.yaml, else template.yml, else template.json, else None."""
    for name in TEMPLATE_FILE_NAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


@dataclass
class TemplateFunctions:
    """What a template yields: its runnable functions (in template order) and warnings."""

    path: Path
    functions: list[FunctionSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nested: list[NestedStack] = field(default_factory=list)  # local child templates, unread
    # serverless-offline's loopback host and httpPort: `lamina api`'s defaults (serverless.yml)
    api_host: str | None = None
    api_port: int | None = None


class _FunctionReader:
    """Turns one function resource into a FunctionSpec (or None when it is skipped)."""

    def __init__(
        self, path: Path, resolver: IntrinsicResolver, layers: Mapping[str, LayerSpec]
    ) -> None:
        self.path = path
        self.base_dir = path.parent
        self.resolver = resolver
        self.layers = layers  # the template's local layer resources
        self.archive: Path | None = None  # the .zip the last function's code was unpacked from

    def read(
        self, logical_id: str, kind: str, properties: Mapping[str, Any], line: int | None
    ) -> FunctionSpec | None:
        def prop(name: str) -> Any:
            value = self.resolver.resolve(properties.get(name), f"{logical_id}.{name}")
            return None if value is NO_VALUE else value

        def fail(message: str) -> ProjectError:
            return ProjectError(f"function '{logical_id}': {message}", self.path, line)

        def skip(reason: str) -> None:
            self.resolver.warn(logical_id, f"skipped: {reason}")

        if to_text(prop("PackageType")) == "Image":
            skip("PackageType Image (a container image) is not supported")
            return None
        runtime = prop("Runtime")
        if runtime is None:
            runtime = LOCAL_RUNTIME
            self.resolver.warn(logical_id, f"no Runtime; assuming {LOCAL_RUNTIME}")
        if not isinstance(runtime, str) or not runtime.startswith(("python", "provided")):
            skip(f"Runtime {to_text(runtime)} is not a Python runtime")
            return None
        self.archive = None
        inline = properties.get("InlineCode") if kind == SERVERLESS_FUNCTION else None
        code_dir = (
            self._inline_dir(logical_id, "InlineCode", inline, skip)
            if inline is not None
            else self._code_dir(logical_id, kind, prop, skip, properties.get("Code"))
        )
        if code_dir is None:
            return None

        ignored = not_reproduced(properties)
        if ignored:
            self.resolver.warn(logical_id, ignored)
        for name in IAM_NOT_ENFORCED:
            if properties.get(name) is not None:  # one line for all functions (same message)
                self.resolver.warn(f"{logical_id}.{name}", IAM_NOT_ENFORCED_MESSAGE)
        foreign = foreign_wheel_warning(code_dir, prop("Architectures"))
        if foreign:
            self.resolver.warn(logical_id, foreign)
        handler = prop("Handler")
        if handler is None:
            raise fail("Handler is missing (expected something like 'app.lambda_handler')")
        if not isinstance(handler, str) or not handler.strip():
            raise fail(f"Handler must be a string like 'app.lambda_handler', not {handler!r}")

        return FunctionSpec(
            logical_id=logical_id,
            handler=handler.strip(),
            code_dir=code_dir,
            function_name=self._resolved_name(logical_id, prop("FunctionName")),
            runtime=runtime,
            timeout=self._integer(prop("Timeout"), "Timeout", DEFAULT_TIMEOUT_S, fail, logical_id),
            memory_size=self._integer(
                prop("MemorySize"), "MemorySize", DEFAULT_MEMORY_MB, fail, logical_id
            ),
            environment=self._environment(prop("Environment"), fail),
            role=self._role(logical_id, self._quietly(prop, "Role")),
            architectures=self._architectures(prop("Architectures"), fail),
            code_archive=self.archive,
            source="template",
            source_path=self.path,
            source_line=line,
            layers=function_layers(
                properties.get("Layers"),
                self.layers,
                self.resolver.resolve,
                lambda message: self.resolver.warn(logical_id, message),
                logical_id,
            ),
            ephemeral_storage=ephemeral_storage(
                prop("EphemeralStorage"), lambda m: self.resolver.warn(logical_id, m)
            ),
            file_systems=file_system_mounts(
                properties.get("FileSystemConfigs"),
                self.resolver.resolve,
                lambda message: self.resolver.warn(logical_id, message),
                logical_id,
            ),
            template_events=self._events(prop),
            durable_config=_mapping(prop("DurableConfig")),
            url_config=url_config_of(prop("FunctionUrlConfig")),
            tenant_isolation=prop("TenancyConfig") is not None,
            reserved_concurrency=reserved_concurrency(
                prop("ReservedConcurrentExecutions"), lambda m: self.resolver.warn(logical_id, m)
            ),
            managed_concurrency=template_concurrency(
                prop("CapacityProviderConfig"),
                self._integer(
                    prop("MemorySize"), "MemorySize", DEFAULT_MEMORY_MB, fail, logical_id
                ),
            ),
        )

    def _inline_dir(self, logical_id: str, name: str, source: Any, skip: _Skip) -> Path | None:
        """The folder of the function's inline code as index.py (inline_code); the text as
        written, since code built by intrinsic functions is not known here."""
        if not isinstance(source, str):
            skip(f"{name} is not a string of code ({to_text(source)})")
            return None
        try:
            return inline_code_dir(source)
        except OSError as error:
            skip(f"{name} can't be written to Lamina's cache: {error}")
            return None

    def _code_dir(
        self, logical_id: str, kind: str, prop: _Property, skip: _Skip, raw_code: Any = None
    ) -> Path | None:
        if kind == LAMBDA_FUNCTION:
            code = prop("Code")
            properties_code = raw_code if isinstance(raw_code, Mapping) else None
            if isinstance(code, Mapping):
                if "ZipFile" in code:
                    raw = properties_code.get("ZipFile") if properties_code else None
                    return self._inline_dir(logical_id, "Code.ZipFile", raw, skip)
                if "ImageUri" in code:
                    skip("a container image (Code.ImageUri) is not supported")
                    return None
                skip(f"the code is in S3 ({to_text(code)}); Lamina needs local code")
                return None
            location = code
        else:
            location = prop("CodeUri")
            if isinstance(location, Mapping):
                skip(f"CodeUri is in S3 ({to_text(location)}); Lamina needs local code")
                return None
        if location is None or location == "":
            location = "."
        text = to_text(location)
        if text.startswith("s3://"):
            skip(f"the code is in S3 ({text}); Lamina needs local code")
            return None
        code_dir = Path(os.path.normpath(self.base_dir / text))
        self.archive = code_dir if code_dir.suffix == ".zip" else None
        if code_dir.is_file():  # a .zip, or one file that SAM zips alone
            return unpacked_code(code_dir, text, skip)
        if not code_dir.is_dir():
            self.resolver.warn(logical_id, f"code folder {text!r} does not exist ({code_dir})")
        return code_dir

    def _events(self, prop: _Property) -> dict[str, Any]:
        """Events, resolved; what their resolution can't know (a queue's ARN) is the business
        of what serves them, so it is not warned about here."""
        before = len(self.resolver.warnings)
        events = prop("Events")
        del self.resolver.warnings[before:]
        return dict(events) if isinstance(events, Mapping) else {}

    def _integer(self, value: Any, name: str, default: int, fail: _Failure, logical_id: str) -> int:
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            if value.strip().isdigit():
                return int(value.strip())
            if "${" in value:  # an unresolved intrinsic: already warned about
                self.resolver.warn(f"{logical_id}.{name}", f"using the default {default}")
                return default
        raise fail(f"{name} must be a whole number, not {value!r}")

    def _environment(self, environment: Any, fail: _Failure) -> dict[str, str]:
        if environment is None:
            return {}
        if not isinstance(environment, Mapping):
            raise fail(f"Environment must be a mapping with Variables, not {environment!r}")
        variables = environment.get("Variables")
        if variables is None:
            return {}
        if not isinstance(variables, Mapping):
            raise fail(f"Environment.Variables must be a mapping, not {variables!r}")
        return {str(key): to_text(value) for key, value in variables.items()}

    def _resolved_name(self, logical_id: str, value: Any) -> str:
        if value is None:
            return logical_id
        name = to_text(value)
        if "${" in name:
            self.resolver.warn(f"{logical_id}.FunctionName", f"using the logical id {logical_id}")
            return logical_id
        return name

    def _architectures(self, value: Any, fail: _Failure) -> list[str]:
        try:
            return function_architectures(value)
        except ValueError as error:
            raise fail(str(error)) from None

    def _quietly(self, prop: _Property, name: str) -> Any:
        """A property resolved without the resolver's own warnings (its reader says one)."""
        before = len(self.resolver.warnings)
        value = prop(name)
        del self.resolver.warnings[before:]
        return value

    def _role(self, logical_id: str, value: Any) -> str:
        """The template's role; a role with no local value (`!GetAtt Role.Arn`) is one warning:
        local runs use Lamina's, and the role matters on AWS only."""
        if value is None:
            return DEFAULT_ROLE
        role = to_text(value)
        if "${" in role:
            message = f"{role} has no local value; local runs use the role {DEFAULT_ROLE}"
            self.resolver.warn(f"{logical_id}.Role", message)
            return DEFAULT_ROLE
        return role


def read_template(
    path: Path,
    *,
    stack_name: str | None = None,
    region: str | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
    document: CfnDocument | None = None,
) -> TemplateFunctions:
    """Read the functions of one template file (or of `document`, already parsed from it, as the
    CDK reader gives it). Raises ProjectError when the template is broken."""
    path = Path(os.path.abspath(path))
    document = document if document is not None else load_cfn_yaml(path)
    result = TemplateFunctions(path=path)
    if document.data is None:
        result.warnings.append(f"{path.name} is empty")
        return result
    if not isinstance(document.data, Mapping):
        raise ProjectError("a template must be a mapping of sections (Resources, ...)", path, 1)

    resources = mapping_section(document, path, "Resources")
    function_globals = function_globals_of(document, path)
    context = StackContext.from_environment(stack_name)
    if region:
        context = StackContext(region=region, stack_name=context.stack_name)
    resolver = IntrinsicResolver(document.data, context, parameter_overrides)
    layers = read_layer_resources(resources, path.parent, resolver.resolve, resolver.warn)
    reader = _FunctionReader(path, resolver, layers)

    for logical_id, resource in resources.items():
        checkpoint()  # a newer version of the template may make this load moot
        line = document.resource_line(str(logical_id))
        if not isinstance(resource, Mapping):
            raise ProjectError(f"resource '{logical_id}' must be a mapping", path, line)
        kind = resource.get("Type")
        if not isinstance(kind, str):
            raise ProjectError(f"resource '{logical_id}' has no Type", path, line)
        if kind in NESTED_STACK_KINDS and isinstance(resource.get("Properties"), Mapping):
            child = nested_stack(
                str(logical_id), kind, resource["Properties"], resolver, path.parent, line
            )
            if child is not None:
                result.nested.append(child)
            continue
        if kind not in (SERVERLESS_FUNCTION, LAMBDA_FUNCTION):
            continue
        properties = resource.get("Properties") or {}
        if not isinstance(properties, Mapping):
            raise ProjectError(f"resource '{logical_id}': Properties must be a mapping", path, line)
        if kind == SERVERLESS_FUNCTION:
            properties = with_global_layers(
                merge_globals(function_globals, properties), function_globals
            )
        condition = resource.get("Condition")
        if isinstance(condition, str) and not resolver.condition(condition, str(logical_id)):
            resolver.warn(str(logical_id), f"condition {condition} is false; loaded anyway")
        if (unbuilt := custom_build_warning(resource)) is not None:
            resolver.warn(str(logical_id), unbuilt)
        spec = reader.read(str(logical_id), kind, properties, line)
        if spec is not None:
            result.functions.append(spec)

    result.warnings.extend(grouped(resolver.warnings))
    return result


def _mapping(value: object) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, Mapping) else None
