"""The first lenses of a document whose project is still loading (issue 13).

Loading a 10,000-function template takes seconds (PyYAML builds every node), and a lens request
that waits for it leaves the editor bare meanwhile. When the load is not done within a short
grace (small projects load within it and get their complete lenses at once), and the client can
be asked to ask again (`workspace/codeLens/refresh`), the request is answered with what the
editor's text shows without the model: on a block-style template, `▶ Run` · `⚙ Debug` · `⇪ Sync`
over each function resource (found by project/template_lines' line scan and the resource's
`Type`); on a handler file, nothing yet. Only a big template (BIG_TEMPLATE) answers early. Once the load ends, the client is told to refresh and
gets the complete lenses (events, routes, shared handlers).

These lenses' arguments are the logical id alone, as the complete ones are; a command run from
one waits for the load (the commands ask ProjectIndex.project()), so it never acts on a function
the model does not have: one the scan saw but the model lacks gets the usual unknown-function
error.
"""

from __future__ import annotations

import asyncio
import os
import re
from json.encoder import encode_basestring_ascii as json_string
from pathlib import Path

from pygls.exceptions import JsonRpcContentModified
from pygls.uris import to_fs_path

from lamina.lsp.file_size_limit import over_limit
from lamina.lsp.prebuilt_json import PrebuiltJson
from lamina.lsp.server import LaminaServer

GRACE = 0.3  # seconds a lens request waits for the load before it answers early
# Only a big template answers early (about 2,000 functions of six lines; their load takes about
# half a second): a small project's lenses, even on a slow machine, come whole and at once.
BIG_TEMPLATE = 256 * 1024  # characters
_FUNCTION_TYPES = frozenset({"AWS::Serverless::Function", "AWS::Lambda::Function"})
_TYPE = re.compile(r"Type[ \t]*:[ \t]*['\"]?([A-Za-z0-9:]+)")
_RUNTIME = re.compile(r"Runtime[ \t]*:[ \t]*['\"]?([A-Za-z0-9.\-]+)")
_EARLY = (("▶ Run", "lamina.run"), ("⚙ Debug", "lamina.debug"), ("⇪ Sync", "lamina.sync"))
_refreshing: dict[int, asyncio.Task[None]] = {}  # id(server) -> the refresh it will send


def function_lines(source: str) -> dict[str, int] | None:
    """{logical id: 1-based line} of the template's function resources (not another runtime's),
    or None when the line scan can't read this template (the caller waits for the load)."""
    from lamina.project.template_lines import scan_resource_lines

    resources = scan_resource_lines(source)
    if resources is None:
        return None
    lines = source.split("\n")
    ordered = sorted(resources.items(), key=lambda item: item[1])
    functions: dict[str, int] = {}
    for position, (logical_id, line) in enumerate(ordered):
        end = ordered[position + 1][1] - 1 if position + 1 < len(ordered) else len(lines)
        kind = runtime = None
        depth: int | None = None  # the resource's own keys (Type, Properties) sit at this depth
        for text in lines[line:end]:
            content = text.lstrip(" ")
            if not content.strip() or content.startswith("#"):
                continue
            indent = len(text) - len(content)
            if depth is None:
                depth = indent
            if indent < depth:
                break  # past the resource (the last one's block ends at the next section)
            if indent == depth and kind is None and (match := _TYPE.match(content)):
                kind = match.group(1)
            elif runtime is None and (match := _RUNTIME.match(content)):
                runtime = match.group(1)
        if kind in _FUNCTION_TYPES and (runtime is None or runtime.startswith("python")):
            functions[logical_id] = line
    return functions


def early_json(source: str, functions: dict[str, int]) -> PrebuiltJson:
    """The three lenses over each function's line, as the JSON array a lens answer is."""
    lines = source.split("\n")
    parts: list[str] = []
    for logical_id, line in functions.items():
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        start = len(text) - len(text.lstrip())
        end = start + len(logical_id)
        where = (
            f'"range":{{"start":{{"line":{line - 1},"character":{start}}},'
            f'"end":{{"line":{line - 1},"character":{end}}}}}'
        )
        arguments = f'[{{"function":{json_string(logical_id)}}}]'
        for title, command in _EARLY:
            parts.append(
                f'{{{where},"command":{{"title":{json_string(title)},'
                f'"command":"{command}","arguments":{arguments}}}}}'
            )
    return PrebuiltJson("[" + ",".join(parts) + "]")


async def _loaded_within(ls: LaminaServer, seconds: float) -> bool:
    index = ls.state.index
    if index.started and not index.loading:
        return True
    waiting = asyncio.ensure_future(index.current())
    done, _ = await asyncio.wait({waiting}, timeout=seconds)
    return bool(done)


def _big_template_on_disk(ls: LaminaServer) -> bool:
    """Whether the template being loaded (the setting's, else the root's) is a big one."""
    options = ls.state.index.options
    root = ls.state.root
    chosen = options.template if options is not None else None
    candidates = [chosen] if chosen is not None else [root / "template.yaml", root / "template.yml"]
    for template in candidates:
        try:
            if (root / template).stat().st_size >= BIG_TEMPLATE:
                return True
        except OSError:
            continue
    return False


def _refresh_when_loaded(ls: LaminaServer) -> None:
    """Ask the client for its lenses again once the load under way (and any after it) ends."""
    key = id(ls)
    pending = _refreshing.get(key)
    if pending is not None and not pending.done():
        return

    async def refresh() -> None:
        await ls.state.index.current()
        ls.workspace_code_lens_refresh(None)  # early_answer saw the client can take it

    task = asyncio.ensure_future(refresh())
    _refreshing[key] = task
    task.add_done_callback(lambda _: _refreshing.pop(key, None))


async def early_answer(ls: LaminaServer, uri: str) -> PrebuiltJson | None:
    """The lenses to answer with before the project has loaded, or None: wait for the load (it
    ended within the grace, the client can't refresh, or the document isn't one this reads).
    A template's scan runs during the grace, so the early answer costs little more than it."""
    index = ls.state.index
    if not ls.capability("workspace.code_lens.refresh_support"):
        return None
    if index.started and not index.loading:
        return None
    document = ls.workspace.text_documents.get(uri)
    path_text = to_fs_path(uri)
    if document is None or path_text is None:
        return None
    path = Path(os.path.abspath(path_text))
    source, version = document.source, document.version
    if over_limit(ls, uri, source):
        return None
    if path.suffix == ".py":
        if not _big_template_on_disk(ls):
            return None
        scanning = None  # which functions are handlers: the model says
    elif path.suffix in (".yaml", ".yml") and index.is_project_file(path):
        if len(source) < BIG_TEMPLATE:
            return None
        scanning = asyncio.ensure_future(asyncio.to_thread(function_lines, source))
    else:
        return None
    if await _loaded_within(ls, GRACE):
        return None  # (a scan under way ends on its own; its result is dropped)
    if scanning is None:
        answer = PrebuiltJson("[]")
    else:
        functions = await scanning
        if functions is None:
            return None
        current = ls.workspace.text_documents.get(uri)
        if current is None or current.version != version:
            raise JsonRpcContentModified(f"{uri} changed while its lenses were being made")
        answer = early_json(source, functions)
    _refresh_when_loaded(ls)
    return answer
