"""The instances of counted Terraform blocks: a resource's or a module's `count`/`for_each`,
and the content of a function's `dynamic "environment"` block."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lamina.project.terraform_config import Configuration
from lamina.project.terraform_expressions import UNRESOLVED


def instances(
    config: Configuration, address: str, body: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """(address suffix, count/each values) per instance: `count = 2` gives [0] and [1],
    `for_each` over a map or a set of strings gives ["key"] each; no count/for_each, one."""
    if "count" in body:
        count = config.resolve(body["count"], f"{address}.count")
        if isinstance(count, str) and count.isdigit():
            count = int(count)
        if not isinstance(count, int) or isinstance(count, bool):
            config.warnings.append(f"{address}: skipped: count {count!r} is not a known number")
            return []
        return [(f"[{i}]", {"count.index": i}) for i in range(count)]
    if "for_each" not in body:
        return [("", {})]
    raw = body["for_each"]
    if isinstance(raw, str):  # toset(...)/tomap(...) around a list, variable or local
        raw = re.sub(r"^\$\{to(?:set|map)\((.*)\)\}$", r"${\1}", raw.strip(), flags=re.S)
        if re.fullmatch(r"\$\{\[.*\]\}", raw, flags=re.S):
            import contextlib
            import json

            with contextlib.suppress(ValueError):  # not JSON: resolved (and warned about) below
                raw = json.loads(raw[2:-1])
    each = config.resolve(raw, f"{address}.for_each")
    if isinstance(each, list) and all(isinstance(item, str) for item in each):
        each = {item: item for item in each}
    if not isinstance(each, Mapping) or any(UNRESOLVED in str(key) for key in each):
        config.warnings.append(f"{address}: skipped: for_each is not a known map or set of strings")
        return []
    return [(f'["{key}"]', {"each.key": key, "each.value": each[key]}) for key in each]


def dynamic_environment(
    config: Configuration, body: Mapping[str, Any], address: str
) -> list[dict[str, Any]]:
    """A `dynamic "environment"` block's content, as [{variables: ...}] (or [{}] when there is
    none, or its for_each is empty). A for_each known only once applied (a conditional on a
    variable, say) is read as one instance, and said so."""
    for entry in body.get("dynamic") or []:
        block = entry.get("environment") if isinstance(entry, Mapping) else None
        if not isinstance(block, Mapping):
            continue
        iterator = str(block.get("iterator") or "environment")
        where = f"{address}.dynamic.environment"
        each = config.resolve(block.get("for_each"), f"{where}.for_each")
        if isinstance(each, list):
            each = dict(enumerate(each))
        if isinstance(each, Mapping) and not each:
            return [{}]
        if not isinstance(each, Mapping):
            config.warnings.append(f"{where}: for_each is not known here; read as one instance")
            each = {0: UNRESOLVED}
        key, value = next(iter(each.items()))
        outer = config.instance  # a counted resource's count.index/each stay known inside
        config.instance = {**outer, f"{iterator}.key": key, f"{iterator}.value": value}
        content = block.get("content")
        resolved = config.resolve(
            content[0] if isinstance(content, list) and content else {}, where
        )
        config.instance = outer
        return [resolved]
    return [{}]
