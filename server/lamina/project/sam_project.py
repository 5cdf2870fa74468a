"""A SAM project's functions: its template, the local templates nested in it, never a build copy.

`sam build` writes `.aws-sam/build/template.yaml`, whose CodeUris point at copies of the code
(with dependencies installed). SAM CLI's local commands prefer that template; Lamina never does:
breakpoints, save-to-live and sync must work on the user's own files. A template given inside
`.aws-sam/build` is replaced by the source template of the project that holds `.aws-sam`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

from lamina.project.nested_stacks import NestedStack
from lamina.project.spec import FunctionSpec, ProjectError
from lamina.project.template import TemplateFunctions, find_template, read_template

BUILD_DIR_PARTS = (".aws-sam", "build")
MAX_NESTING = 5  # CloudFormation's own limit on nesting is deeper; local projects never are


def source_template(path: Path) -> tuple[Path, str | None]:
    """The template to read for `path` and, when it was a `sam build` output, why it changed."""
    parts = path.parts
    for index in range(len(parts) - 1):
        if parts[index : index + 2] == BUILD_DIR_PARTS:
            project = Path(*parts[:index]) if index else Path(path.anchor)
            source = find_template(project)
            if source is None:
                raise ProjectError(
                    "is `sam build` output (copies of the code); Lamina runs the sources: "
                    "give the source template with --template or the `template` setting",
                    path,
                )
            return source, f"{path} is `sam build` output; reading the source template {source}"
    return path, None


def read_sam_project(
    path: Path,
    *,
    stack_name: str | None = None,
    region: str | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
) -> TemplateFunctions:
    """The functions of a template and of the local templates nested in it, in template order."""
    path, redirected = source_template(Path(os.path.abspath(path)))
    result = read_template(
        path, stack_name=stack_name, region=region, parameter_overrides=parameter_overrides
    )
    if redirected:
        result.warnings.insert(0, redirected)
    _read_nested(result, result, prefix="", chain=(path,), stack_name=stack_name, region=region)
    return result


def _read_nested(
    into: TemplateFunctions,
    parent: TemplateFunctions,
    *,
    prefix: str,
    chain: tuple[Path, ...],
    stack_name: str | None,
    region: str | None,
) -> None:
    for child in parent.nested:
        name = f"{prefix}{child.logical_id}"
        where = f"{parent.path.name}: {name}"
        if not child.template_path.is_file():
            raise ProjectError(
                f"nested stack '{name}': no template at {child.template_path}",
                parent.path,
                child.line,
            )
        if child.template_path in chain:
            into.warnings.append(f"{where}: skipped: nested templates go round in a circle")
            continue
        if len(chain) > MAX_NESTING:
            into.warnings.append(f"{where}: skipped: nested more than {MAX_NESTING} deep")
            continue
        read = read_template(
            child.template_path,
            stack_name=stack_name,
            region=region,
            parameter_overrides=child.parameters,
        )
        into.warnings.extend(f"{name}/{warning}" for warning in read.warnings)
        into.functions.extend(_nested_spec(spec, name) for spec in read.functions)
        _read_nested(
            into,
            read,
            prefix=f"{name}/",
            chain=(*chain, child.template_path),
            stack_name=stack_name,
            region=region,
        )


def _nested_spec(spec: FunctionSpec, stack_path: str) -> FunctionSpec:
    """The child's function, named by its path (`App/Orders`) as SAM CLI names it; its physical
    name is its FunctionName, else the path with `-` (a `/` can't be in a function name)."""
    logical_id = f"{stack_path}/{spec.logical_id}"
    named = spec.function_name != spec.logical_id
    function_name = spec.function_name if named else logical_id.replace("/", "-")
    return dataclasses.replace(spec, logical_id=logical_id, function_name=function_name)


__all__ = ["NestedStack", "read_sam_project", "source_template"]
