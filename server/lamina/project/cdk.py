"""Read the Python functions of an AWS CDK app from its cloud assembly (cdk.out/).

`cdk synth` writes `manifest.json` (the artifacts: stacks, nested assemblies of stages) and one
CloudFormation template per stack (`<Stack>.template.json`; nested stacks as
`*.nested.template.json`). Each `AWS::Lambda::Function` there carries metadata: `aws:cdk:path`
(the construct path) and `aws:asset:path` (its code, copied into cdk.out). As SAM CLI does for
CDK, the code is put in place of `Code`, and the template is read like any other; then:

- a function is named by its construct path without `/Resource` (`OrdersStack/Orders`), and
  its function name is its `FunctionName`, else its CloudFormation logical id, so either finds it;
- it runs from the source folder the asset was copied from (see cdk_assets), or from the copy
  with a warning when no folder matches;
- an assembly older than the app's newest .py file gets one warning offering `cdk synth`:
  Lamina never runs it by itself.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from lamina.project.cdk_assets import SourceIndex
from lamina.project.cdk_images import image_function
from lamina.project.cfn_yaml import parse_cfn_json
from lamina.project.spec import FunctionSpec, ProjectError
from lamina.project.template import LAMBDA_FUNCTION, TemplateFunctions, read_template

STALE_MARK = "run `cdk synth` to refresh it"  # in the warning of an assembly older than its app
STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY_ARTIFACT = "cdk:cloud-assembly"
CDK_PATH = "aws:cdk:path"
ASSET_PATH = "aws:asset:path"
ASSET_PROPERTY = "aws:asset:property"
IMAGE_PROPERTY = "Code.ImageUri"
DOCKERFILE_PATH = "aws:asset:dockerfile-path"
NESTED_STACK = "AWS::CloudFormation::Stack"
_RESOURCE_SUFFIX = "/Resource"
_MAX_DEPTH = 5


def read_cloud_assembly(assembly: Path) -> TemplateFunctions:
    """The functions of every stack in `assembly` (the cdk.out folder), in manifest order."""
    assembly = Path(os.path.abspath(assembly))
    manifest = assembly / "manifest.json"
    result = TemplateFunctions(path=manifest)
    app_dir = assembly.parent
    index = SourceIndex.build(app_dir)
    _read_assembly(assembly, index, result, depth=0)
    newest_time, newest = index.newest
    if newest is not None and newest_time > manifest.stat().st_mtime:
        result.warnings.insert(
            0,
            f"{assembly.name} is older than {newest.relative_to(app_dir)}: {STALE_MARK} "
            "(Lamina reads the assembly, and never synthesizes it by itself)",
        )
    return result


def stale_assembly_warning(warnings: list[str]) -> str | None:
    """The warning that says the assembly is older than the app, if there is one."""
    return next((warning for warning in warnings if STALE_MARK in warning), None)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProjectError(f"cannot read: {error.strerror}", path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", None)
        raise ProjectError(f"not a cloud assembly manifest: {error}", path, line) from None


def stack_templates(assembly: Path, depth: int = 0) -> Iterator[tuple[Path, str]]:
    """(template, stack name) of each stack of the assembly and of its nested assemblies (a
    Stage's), in manifest order. Raises ProjectError for a broken manifest."""
    manifest_path = assembly / "manifest.json"
    manifest = _load_json(manifest_path)
    artifacts = manifest.get("artifacts") if isinstance(manifest, Mapping) else None
    if not isinstance(artifacts, Mapping):
        raise ProjectError("no artifacts: this is not a cloud assembly manifest", manifest_path)
    for name, artifact in artifacts.items():
        if not isinstance(artifact, Mapping):
            continue
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind == NESTED_ASSEMBLY_ARTIFACT and depth < _MAX_DEPTH:  # a Stage
            folder = properties.get("directoryName")
            if isinstance(folder, str):
                yield from stack_templates(assembly / folder, depth + 1)
        elif kind == STACK_ARTIFACT:
            template_file = properties.get("templateFile")
            if not isinstance(template_file, str):
                raise ProjectError(f"artifact '{name}' has no templateFile", manifest_path)
            yield assembly / template_file, str(properties.get("stackName") or name)


def construct_name(logical_id: str, resource: Mapping[str, Any]) -> str:
    """The name Lamina gives a stack's function: its construct path without `/Resource`."""
    metadata = resource.get("Metadata") or {}
    return str(metadata.get(CDK_PATH) or logical_id).removesuffix(_RESOURCE_SUFFIX)


def nested_template(assembly: Path, resource: Mapping[str, Any]) -> Path | None:
    """The template of a nested stack resource, in the assembly (None for another resource)."""
    child = (resource.get("Metadata") or {}).get(ASSET_PATH)
    if resource.get("Type") == NESTED_STACK and isinstance(child, str) and child.endswith(".json"):
        return assembly / child
    return None


def _read_assembly(assembly: Path, index: SourceIndex, into: TemplateFunctions, depth: int) -> None:
    for template, stack_name in stack_templates(assembly, depth):
        _read_stack(template, stack_name, index, into, depth=0)


def _read_stack(
    template: Path, stack_name: str, index: SourceIndex, into: TemplateFunctions, depth: int
) -> None:
    if not template.is_file():
        raise ProjectError(f"no template {template.name} in the assembly", template)
    try:
        text = template.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"cannot read: {error}", template) from None
    document = parse_cfn_json(text, template)  # synthesized templates are JSON: json is faster
    resources = document.data.get("Resources") if isinstance(document.data, Mapping) else None
    if not isinstance(resources, dict):
        return
    assembly = template.parent
    names: dict[str, str] = {}
    children: list[Path] = []
    for logical_id, resource in list(resources.items()):
        if not isinstance(resource, Mapping):
            continue
        metadata = resource.get("Metadata") or {}
        properties = resource.get("Properties")
        kind = resource.get("Type")
        child = nested_template(assembly, resource)
        if child is not None:
            if depth < _MAX_DEPTH:
                children.append(child)
            del resources[logical_id]  # read here, from the assembly, not as a SAM nested stack
            continue
        if kind != LAMBDA_FUNCTION or not isinstance(properties, dict):
            continue
        path = construct_name(str(logical_id), resource)
        names[str(logical_id)] = path
        properties.pop("Role", None)  # a GetAtt of the stack's role: the local role stands in
        asset = metadata.get(ASSET_PATH)
        if metadata.get(ASSET_PROPERTY) == IMAGE_PROPERTY and isinstance(asset, str):
            dockerfile = str(metadata.get(DOCKERFILE_PATH) or "Dockerfile")
            image = image_function(assembly / asset, dockerfile, properties)
            if isinstance(image, str):
                into.warnings.append(f"{path}: skipped: a container image function: {image}")
                del resources[logical_id]
                continue
            for key in ("PackageType", "ImageConfig"):
                properties.pop(key, None)
            properties.update(Runtime=image["Runtime"], Handler=image["Handler"])
            properties["Code"] = _code_folder(Path(image["Code"]), properties, index, path, into)
        elif metadata.get(ASSET_PROPERTY, "Code") == "Code" and isinstance(asset, str):
            properties["Code"] = _code_folder(assembly / asset, properties, index, path, into)
    read = read_template(template, stack_name=stack_name, document=document)
    into.warnings.extend(read.warnings)
    for spec in read.functions:
        into.functions.append(_named(spec, names.get(spec.logical_id, spec.logical_id)))
    for child_template in children:
        _read_stack(child_template, stack_name, index, into, depth + 1)


def _code_folder(
    asset: Path,
    properties: Mapping[str, Any],
    index: SourceIndex,
    construct_path: str,
    into: TemplateFunctions,
) -> str:
    handler = properties.get("Handler")
    module = str(handler).rsplit(".", 1)[0] if isinstance(handler, str) else ""
    module_path = module.replace(".", "/") + ".py"
    source = index.source_folder(asset, module_path) if module else None
    if source is None:
        into.warnings.append(
            f"{construct_path}: no folder of the app holds the .py files of {asset.name}; "
            "running the copy in cdk.out (edits and breakpoints there are lost on the next synth)"
        )
        return str(asset)
    return str(source)


def _named(spec: FunctionSpec, construct_path: str) -> FunctionSpec:
    named = spec.function_name != spec.logical_id  # FunctionName was given
    return dataclasses.replace(
        spec,
        logical_id=construct_path,
        function_name=spec.function_name if named else spec.logical_id,
        source="cdk",
    )
