"""Nested applications and stacks in a SAM template, when their template is a local file.

`AWS::Serverless::Application` with a string `Location` and `AWS::CloudFormation::Stack` with a
`TemplateURL` that is a path (not an https:// or s3:// URL) point at a child template. Its
functions are read like the parent's, with the resource's `Parameters` as the child's parameter
values, and are named by their path: `ParentResource/ChildFunction`, as SAM CLI names them.
An application from the Serverless Application Repository (`Location: {ApplicationId, ...}`) or
a child template in S3 is skipped with a warning: Lamina needs the code on disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.project.cfn_values import NO_VALUE, to_text
from lamina.project.intrinsics import IntrinsicResolver

SERVERLESS_APPLICATION = "AWS::Serverless::Application"
CLOUDFORMATION_STACK = "AWS::CloudFormation::Stack"
NESTED_STACK_KINDS = (SERVERLESS_APPLICATION, CLOUDFORMATION_STACK)
_REMOTE_PREFIXES = ("https://", "http://", "s3://")


@dataclass(frozen=True)
class NestedStack:
    """A child template to read: where it is, what the parent passes it, where it is declared."""

    logical_id: str
    template_path: Path
    parameters: Mapping[str, str] = field(default_factory=dict)
    line: int | None = None


def nested_stack(
    logical_id: str,
    kind: str,
    properties: Mapping[str, Any],
    resolver: IntrinsicResolver,
    base_dir: Path,
    line: int | None,
) -> NestedStack | None:
    """The nested stack a resource declares, or None (with a warning) when it isn't local."""

    def prop(name: str) -> Any:
        value = resolver.resolve(properties.get(name), f"{logical_id}.{name}")
        return None if value is NO_VALUE else value

    location_key = "Location" if kind == SERVERLESS_APPLICATION else "TemplateURL"
    location = prop(location_key)
    if isinstance(location, Mapping):
        resolver.warn(
            logical_id,
            f"skipped: {location_key} is a Serverless Application Repository app "
            f"({to_text(location)}); Lamina reads only a local template",
        )
        return None
    text = to_text(location)
    if not text:
        resolver.warn(logical_id, f"skipped: no {location_key}")
        return None
    if text.startswith(_REMOTE_PREFIXES) or "${" in text:
        resolver.warn(
            logical_id, f"skipped: {location_key} {text} is not a local file; Lamina reads only one"
        )
        return None
    parameters = prop("Parameters")
    values: dict[str, str] = {}
    if isinstance(parameters, Mapping):
        values = {str(key): to_text(value) for key, value in parameters.items()}
    elif parameters is not None:
        resolver.warn(logical_id, "Parameters is not a mapping; ignored")
    path = Path(os.path.normpath(base_dir / Path(text).expanduser()))
    return NestedStack(logical_id=logical_id, template_path=path, parameters=values, line=line)
