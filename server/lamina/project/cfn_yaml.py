"""Load CloudFormation/SAM YAML: short tags (`!Ref`, `!Sub`, ...) become their long forms.

`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Condition C` →
`{"Condition": "C"}`, and every other `!Name v` → `{"Fn::Name": v}` (so an unknown or mistyped
tag is left for the intrinsic resolver to report, instead of failing the whole load).

Timestamps stay strings (CloudFormation treats `2012-10-17` as text, not a date).

Aliases are counted before anything is built: a "billion laughs" template, a few lines of
anchors that each repeat the one before, is a small node graph that expands to billions of
values for whatever walks it. Over MAX_EXPANDED_NODES the load fails with one ProjectError.

PyYAML is imported on first use, not at import time: it costs ~20 ms and the CLI's start-up
must not pay that when no template is read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lamina.project.spec import ProjectError

if TYPE_CHECKING:
    import yaml

# Short tags whose long form is "Fn::<Name>". Ref, GetAtt and Condition are special-cased.
FN_TAGS = (
    "Sub",
    "If",
    "Join",
    "Equals",
    "Select",
    "Split",
    "FindInMap",
    "ImportValue",
    "Base64",
    "Not",
    "And",
    "Or",
    "GetAZs",
    "Cidr",
    "Transform",
    "Length",
    "ToJsonString",
)


@dataclass
class CfnDocument:
    """A parsed template plus where its top-level sections and resources start (1-based lines)."""

    data: Any
    section_lines: dict[str, int] = field(default_factory=dict)
    resource_lines: dict[str, int] = field(default_factory=dict)

    def resource_line(self, logical_id: str) -> int | None:
        return self.resource_lines.get(logical_id)

    def section_line(self, section: str) -> int | None:
        return self.section_lines.get(section)


def _construct_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return None  # pragma: no cover - PyYAML has only these three node kinds


def _construct_ref(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Ref": _construct_value(loader, node)}


def _construct_condition(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Condition": _construct_value(loader, node)}


def _construct_get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct_value(loader, node)
    if isinstance(value, str):
        # "Resource.Attr.With.Dots": the resource name never contains a dot.
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {"Fn::GetAtt": value}


def _construct_fn(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    return {f"Fn::{tag_suffix}": _construct_value(loader, node)}


def _fn_constructor(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return _construct_fn(loader, name, node)

    return construct


def _construct_timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return _construct_value(loader, node)


def _resolve_with_checkpoints(resolve: Any) -> Any:
    """The loader's `resolve` (which even the C parser calls, for every node), remembering the
    tag of each short scalar (a template repeats `Type`, `Properties`, `src/` thousands of
    times, and a scalar's implicit tag depends only on its text), and a safe point every
    4,096 nodes where a superseded project load stops (project/load_cancel.py)."""
    import yaml

    from lamina.project.load_cancel import checkpoint

    scalar = yaml.ScalarNode
    tags: dict[tuple[str, Any], str] = {}
    calls = [0]

    def resolve_and_check(loader: Any, kind: Any, value: Any, implicit: Any) -> Any:
        calls[0] += 1
        if not calls[0] & 4095:
            checkpoint()
        if kind is not scalar or len(value) > 64:
            return resolve(loader, kind, value, implicit)
        key = (value, implicit)
        tag = tags.get(key)
        if tag is None:
            if len(tags) > 50_000:
                tags.clear()
            tag = tags[key] = resolve(loader, kind, value, implicit)
        return tag

    return resolve_and_check


@functools.cache
def cfn_loader_class() -> type[yaml.SafeLoader]:
    """The loader class: yaml.CSafeLoader (fast) when PyYAML has its C extension, else SafeLoader."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader_class: type[yaml.SafeLoader] = type(
        "CfnLoader", (base,), {"resolve": _resolve_with_checkpoints(base.resolve)}
    )
    loader_class.add_constructor("!Ref", _construct_ref)
    loader_class.add_constructor("!Condition", _construct_condition)
    loader_class.add_constructor("!GetAtt", _construct_get_att)
    for name in FN_TAGS:
        loader_class.add_constructor(f"!{name}", _fn_constructor(name))
    # Any other "!Tag": keep it as {"Fn::Tag": value} for the resolver to warn about.
    loader_class.add_multi_constructor("!", _construct_fn)
    loader_class.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)
    return loader_class


def _key_lines(mapping: yaml.MappingNode) -> dict[str, int]:
    lines: dict[str, int] = {}
    for key_node, _value in mapping.value:
        key = key_node.value
        if isinstance(key, str) and key not in lines:
            lines[key] = key_node.start_mark.line + 1
    return lines


def _find_duplicate_key(mapping: yaml.MappingNode) -> tuple[str, int] | None:
    seen: set[str] = set()
    for key_node, _value in mapping.value:
        key = key_node.value
        if isinstance(key, str):
            if key in seen:
                return key, key_node.start_mark.line + 1
            seen.add(key)
    return None


def _yaml_error(path: Path, text: str, error: Exception) -> ProjectError:
    import yaml

    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "invalid YAML"
        if error.context and error.context_mark is not None and error.problem_mark is not None:
            problem = f"{problem} ({error.context} at line {error.context_mark.line + 1})"
        line = mark.line + 1 if mark is not None else None
        lines = text.splitlines()
        source_line = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
        if "\t" in source_line[: len(source_line) - len(source_line.lstrip())]:
            problem += "; YAML does not allow tabs for indentation"
        return ProjectError(f"invalid YAML: {problem}", path, line)
    return ProjectError(f"invalid YAML: {error}", path)


# Far above any real template (10,000 functions are about 200,000 nodes).
MAX_EXPANDED_NODES = 5_000_000


def expanded_size(root: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> int | None:
    """How many nodes the graph under `root` has once every alias is expanded; None when that is
    over `limit` or an alias contains itself. Linear in the distinct nodes (sizes are shared)."""
    import yaml

    sizes: dict[int, int] = {}
    pending: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children: list[yaml.Node] = (
            [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if children_done:
            pending.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[key] > limit:
                return None
            continue
        if key in pending:
            return None  # an alias inside its own anchor
        pending.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in pending:
                return None
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def check_aliases(root: yaml.Node | None, text: str, path: Path) -> None:
    """ProjectError if the aliases under `root` expand beyond MAX_EXPANDED_NODES."""
    # No anchor ("&"), no alias: most templates skip the count.
    if root is not None and "&" in text and expanded_size(root) is None:
        raise ProjectError(
            f"the template's YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values "
            "(or into themselves): not loaded",
            path,
        )


def parse_cfn_yaml(text: str, path: Path, entries: str = "Resources") -> CfnDocument:
    """Parse template text. Raises ProjectError (naming `path` and the line) on a YAML error, or
    when its aliases would expand beyond MAX_EXPANDED_NODES.

    The keys of the top-level `entries` section (a template's Resources, serverless.yml's
    functions) get their lines recorded, and must be unique."""
    import yaml

    from lamina.project.load_cancel import checkpoint

    loader = cfn_loader_class()(text)
    try:
        root = loader.get_single_node()
        check_aliases(root, text, path)
        checkpoint()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        if text.lstrip().startswith("{"):  # JSON that YAML can't read (tab indentation)
            return parse_cfn_json(text, path)
        raise _yaml_error(path, text, error) from None
    finally:
        loader.dispose()

    document = CfnDocument(data=data)
    if isinstance(root, yaml.MappingNode):
        document.section_lines = _key_lines(root)
        for key_node, value_node in root.value:
            if key_node.value == entries and isinstance(value_node, yaml.MappingNode):
                duplicate = _find_duplicate_key(value_node)
                if duplicate is not None:
                    name, line = duplicate
                    kind = "resource" if entries == "Resources" else entries.rstrip("s")
                    raise ProjectError(f"{kind} '{name}' is defined twice", path, line)
                document.resource_lines = _key_lines(value_node)
    return document


def parse_cfn_json(text: str, path: Path) -> CfnDocument:
    """Parse a JSON template; lines of sections and resources are found by their quoted keys."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectError(f"invalid JSON: {error.msg}", path, error.lineno) from None
    document = CfnDocument(data=data)
    if not isinstance(data, dict):
        return document

    def line_of(key: str, start: int) -> tuple[int, int] | None:
        quoted = json.dumps(key)  # str.find, not a regex per key: templates hold hundreds
        position = text.find(quoted, start)
        while position != -1:
            after = position + len(quoted)
            rest = text[after : after + 64].lstrip()
            if rest.startswith(":"):
                return text.count("\n", 0, position) + 1, after
            position = text.find(quoted, after)
        return None

    for section in data:
        found = line_of(str(section), 0)
        if found:
            document.section_lines[str(section)] = found[0]
    resources = data.get("Resources")
    section = line_of("Resources", 0)
    if isinstance(resources, dict) and section is not None:
        for logical_id in resources:
            found = line_of(str(logical_id), section[1])
            if found:
                document.resource_lines[str(logical_id)] = found[0]
    return document


def load_cfn_yaml(path: Path, entries: str = "Resources") -> CfnDocument:
    """Read and parse a template file. Raises ProjectError when it can't be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"cannot read template: {error}", path) from None
    return parse_cfn_yaml(text, path, entries)
