"""Where things are in a template: each function resource's properties with their exact spans.

The function model (template.py) says what a template means; this says where each value is
written, so that checks can point at the very characters (an editor's diagnostic range).
Values that come from `Globals.Function` point at the Globals entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lamina.project.cfn_yaml import cfn_loader_class
from lamina.project.spec import ProjectError

if TYPE_CHECKING:
    import yaml

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
CHECKED_PROPERTIES = (
    "Handler",
    "Runtime",
    "CodeUri",
    "Code",
    "Timeout",
    "MemorySize",
    "Architectures",
)


@dataclass(frozen=True)
class TextSpan:
    """A range of text: 0-based lines and columns (characters), end exclusive."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int

    @classmethod
    def of_line(cls, line: int, text: str) -> TextSpan:
        """The whole of 0-based `line` of `text` (its content, without the newline)."""
        lines = text.splitlines()
        content = lines[line] if 0 <= line < len(lines) else ""
        indent = len(content) - len(content.lstrip())
        return cls(line, indent, line, len(content))


@dataclass(frozen=True)
class PropertyValue:
    """A property's value as written: a plain scalar (str or int), or None for anything else
    (an intrinsic like !Ref, a mapping, a list)."""

    value: str | int | float | bool | None
    span: TextSpan
    from_globals: bool = False
    items: tuple[str, ...] | None = None  # a list of plain scalars (Architectures), as written


@dataclass
class FunctionResource:
    logical_id: str
    kind: str
    key_span: TextSpan
    properties: dict[str, PropertyValue] = field(default_factory=dict)


def _span(node: yaml.Node) -> TextSpan:
    start, end = node.start_mark, node.end_mark
    return TextSpan(start.line, start.column, end.line, end.column)


def _scalar(node: yaml.Node) -> str | int | float | bool | None:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        return None
    tag = node.tag or ""
    if tag.endswith(":str"):
        return str(node.value)
    try:
        if tag.endswith(":int"):
            return int(str(node.value).replace("_", ""), 0)
        if tag.endswith(":float"):
            return float(node.value)
    except ValueError:
        return str(node.value)
    if tag.endswith(":bool"):
        return str(node.value).lower() in ("true", "yes", "on")
    if tag.startswith("!"):
        return None  # an intrinsic function: its value is only known to CloudFormation
    return str(node.value) if not tag.endswith(":null") else None


def _scalars(node: yaml.Node) -> tuple[str, ...] | None:
    """A sequence whose items are all plain scalars, as text; else None."""
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        return None
    items = [_scalar(item) for item in node.value]
    return tuple(str(i) for i in items) if all(i is not None for i in items) else None


def _get(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def compose_template(text: str, path: Path) -> yaml.Node | None:
    """The template's node tree (None when empty). Raises ProjectError on a YAML error."""
    import yaml

    from lamina.project.cfn_yaml import check_aliases, parse_cfn_yaml

    loader = cfn_loader_class()(text)
    try:
        root = loader.get_single_node()
        check_aliases(root, text, path)
        return root
    except yaml.YAMLError:
        parse_cfn_yaml(text, path)  # raises the well-worded error, with its line
        raise ProjectError("invalid YAML", path) from None
    finally:
        loader.dispose()


def function_resources(text: str, path: Path) -> list[FunctionResource]:
    """The function resources of a template's text, in order, with their property values."""
    import yaml

    root = compose_template(text, path)
    resources = _get(root, "Resources")
    if resources is None or not isinstance(resources[1], yaml.MappingNode):
        return []
    globals_section = _get(root, "Globals")
    globals_entry = _get(globals_section[1], "Function") if globals_section else None
    function_globals = globals_entry[1] if globals_entry else None
    found: list[FunctionResource] = []
    for key_node, resource in resources[1].value:
        kind_entry = _get(resource, "Type")
        kind = _scalar(kind_entry[1]) if kind_entry else None
        if kind not in (SERVERLESS_FUNCTION, LAMBDA_FUNCTION):
            continue
        function = FunctionResource(str(key_node.value), str(kind), _span(key_node))
        properties_entry = _get(resource, "Properties")
        properties = properties_entry[1] if properties_entry else None
        for name in CHECKED_PROPERTIES:
            own = _get(properties, name)
            inherited = _get(function_globals, name) if kind == SERVERLESS_FUNCTION else None
            entry, from_globals = (own, False) if own else (inherited, True)
            if entry is not None:
                value_node = entry[1]
                function.properties[name] = PropertyValue(
                    _scalar(value_node), _span(value_node), from_globals, _scalars(value_node)
                )
        found.append(function)
    return found
