"""Add resources to a template's text, keeping everything else byte for byte (comments too).

The new resources go at the end of the block-style `Resources:` section, indented the way
the template indents. The result is parsed again and checked: the old sections must read the
same, and the new resources must be there. A template this can't handle (a flow-style
`Resources: {...}`) goes through a ruamel.yaml round trip instead, which also keeps comments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.project.cfn_yaml import parse_cfn_yaml
from lamina.project.spec import ProjectError

# Renders resource lines: (indent of a resource key, one indentation unit) -> text.
ResourceRenderer = Callable[[str, str], str]

_RESOURCES_LINE = re.compile(r"^Resources[ \t]*:[ \t]*(#.*)?$")
_RESOURCES_KEY = re.compile(r"^Resources[ \t]*:")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def detect_indentation(lines: list[str]) -> tuple[str, str]:
    """(indent of resource keys, indentation unit), from the Resources section or the file."""
    start = next((i for i, line in enumerate(lines) if _RESOURCES_LINE.match(line)), None)
    if start is not None:
        body = [line for line in lines[start + 1 :] if _is_content(line)]
        first = body[0] if body and _indent(body[0]) > 0 else None
        if first is not None:
            key_indent = _indent(first)
            deeper = [_indent(line) for line in body[1:] if _indent(line) > key_indent]
            unit = (deeper[0] - key_indent) if deeper else key_indent
            return " " * key_indent, " " * max(unit, 1)
    indents = sorted({_indent(line) for line in lines if _is_content(line) and _indent(line)})
    unit = indents[0] if indents else 2
    return " " * unit, " " * unit


def _insert_as_text(text: str, render: ResourceRenderer) -> str | None:
    lines = text.splitlines(keepends=True)
    stripped = [line.rstrip("\r\n") for line in lines]
    key_indent, unit = detect_indentation(stripped)
    newline = "\r\n" if "\r\n" in text else "\n"
    block = render(key_indent, unit).replace("\n", newline)
    start = next((i for i, line in enumerate(stripped) if _RESOURCES_LINE.match(line)), None)
    if start is None:
        if any(_RESOURCES_KEY.match(line) for line in stripped):
            return None  # `Resources: {...}` or similar: not for text insertion
        prefix = text if not text or text.endswith("\n") else text + newline
        separator = newline if prefix.strip() else ""
        return f"{prefix}{separator}Resources:{newline}{block}"
    end = len(lines)
    for index in range(start + 1, len(lines)):
        line = stripped[index]
        if _is_content(line) and _indent(line) == 0:
            end = index
            break
    last = start
    for index in range(start + 1, end):
        line = stripped[index]
        if line.strip() and _indent(line) > 0:
            last = index
    before = "".join(lines[: last + 1])
    if not before.endswith("\n"):
        before += newline
    after = "".join(lines[last + 1 :])
    spacer = newline if last > start else ""
    return before + spacer + block + after


def _insert_with_ruamel(text: str, render: ResourceRenderer) -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    document = yaml.load(text)
    additions = yaml.load(render("", "  "))
    resources = document.get("Resources")
    if resources is None:
        document["Resources"] = additions
    else:
        for key, value in additions.items():
            resources[key] = value
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _check(old: Any, new: Any, new_ids: list[str]) -> bool:
    if not isinstance(new, Mapping):
        return False
    old = old if isinstance(old, Mapping) else {}
    new_resources = new.get("Resources")
    if not isinstance(new_resources, Mapping) or any(i not in new_resources for i in new_ids):
        return False
    for key, value in old.items():
        if key == "Resources":
            kept = {k: v for k, v in new_resources.items() if k not in new_ids}
            if dict(value or {}) != kept:
                return False
        elif new.get(key) != value:
            return False
    return all(key in old or key == "Resources" for key in new)


def add_resources(text: str, path: Path, new_ids: list[str], render: ResourceRenderer) -> str:
    """The template text with the rendered resources added. Raises ProjectError when the
    template is broken or already has one of `new_ids`."""
    old = parse_cfn_yaml(text, path).data
    if old is not None and not isinstance(old, Mapping):
        raise ProjectError("a template must be a mapping of sections (Resources, ...)", path, 1)
    existing = (old or {}).get("Resources") or {}
    if not isinstance(existing, Mapping):
        raise ProjectError("Resources must be a mapping", path)
    for logical_id in new_ids:
        if logical_id in existing:
            raise ProjectError(f"the template already has a resource '{logical_id}'", path)
    as_text = _insert_as_text(text, render)
    if as_text is not None and _parses_to(as_text, path, old, new_ids):
        return as_text
    round_tripped = _insert_with_ruamel(text, render)
    if _parses_to(round_tripped, path, old, new_ids):
        return round_tripped
    raise ProjectError("could not add the function without changing the rest", path)


def _parses_to(candidate: str, path: Path, old: Any, new_ids: list[str]) -> bool:
    try:
        return _check(old, parse_cfn_yaml(candidate, path).data, new_ids)
    except ProjectError:
        return False
