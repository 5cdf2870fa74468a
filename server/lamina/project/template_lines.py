"""The lines of a template's resources, found by reading lines rather than parsing YAML.

Lenses sit on the line of each function resource, in the editor's text, which changes with each
keystroke: a full YAML parse of a 10,000-function template costs over a second of CPU, for a
map from logical id to line that a scan of the lines gives in milliseconds. The scan reads only
the block-style shape every SAM template has (a column-0 `Resources:` and its keys, one
indentation deeper, plain alphanumeric names); anything else (flow style, JSON, tab indentation,
directives, quoted or complex keys, a key twice) makes it answer None, and the caller parses.
"""

from __future__ import annotations

import re

_KEY = re.compile(r"([A-Za-z0-9]+)[ \t]*:(?:[ \t\r]|$)")
_TOP_KEY = re.compile(r"[A-Za-z0-9_]+[ \t]*:(?:[ \t\r]|$)")
_RESOURCES = re.compile(r"^Resources[ \t]*:[ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)


def scan_resource_lines(text: str) -> dict[str, int] | None:
    """{logical id: 1-based line} of the `Resources` section, or None when the text is not the
    plain block-style shape this scan can vouch for (then parse it)."""
    found = list(_RESOURCES.finditer(text))
    if len(found) != 1:
        return None if "Resources" in text else {}
    body = text[3:] if text.startswith("---") else text
    if text.startswith("%") or "\n---" in body or "\n..." in body:
        return None  # directives, or more than one document
    start = text.count("\n", 0, found[0].start()) + 1  # the line after `Resources:` (0-based)
    lines = text.split("\n")
    indent: int | None = None
    resources: dict[str, int] = {}
    for number in range(start, len(lines)):
        line = lines[number]
        content = line.lstrip(" ")
        if not content.strip() or content.startswith("#"):
            continue
        if content.startswith("\t"):
            return None  # YAML allows no tabs in indentation: let the parser say so
        depth = len(line) - len(content)
        if indent is None:
            if depth == 0:
                return resources if _TOP_KEY.match(content) else None
            indent = depth
        if depth > indent:
            continue
        if depth == 0:  # the next top-level section
            return resources if _TOP_KEY.match(content) else None
        if depth < indent:
            return None
        key = _KEY.match(content)
        if key is None or key.group(1) in resources:
            return None
        resources[key.group(1)] = number + 1
    return resources
