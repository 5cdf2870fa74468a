"""`▶ Run` · `⚙ Debug` · `⇪ Sync` · `{ } Event: <name>` over each handler and each function
resource of template.yaml (and each `[tool.lamina.functions.X]` of pyproject.toml).

Cheap by design: the editor's text is parsed (ast for Python, the YAML loader for the
template), the project model comes from the cache, and nothing is spawned or imported beyond
that. Parses are cached per document version.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified
from pygls.uris import to_fs_path

from lamina.lsp.early_lenses import early_answer
from lamina.lsp.event_selections import event_label
from lamina.lsp.file_size_limit import over_limit
from lamina.lsp.handler_defs import FunctionDef, is_test_file, top_level_functions
from lamina.lsp.lens_groups import LensGroup, groups_json, joined_json, lens_objects
from lamina.lsp.prebuilt_json import PrebuiltJson
from lamina.lsp.server import LaminaServer
from lamina.lsp.top_level_scan import Superseded
from lamina.project.lambda_runtimes import is_custom_runtime

if TYPE_CHECKING:
    from lamina.lsp.project_index import LoadedProject
    from lamina.project.spec import FunctionSpec

log = logging.getLogger(__name__)
# Lenses that other features add to the same documents (the API's route lenses): each is called
# as (server, path, loaded project) and returns more lenses.
EXTRA_LENSES: list[Callable[[LaminaServer, Path, LoadedProject | None], list[types.CodeLens]]] = []
_parsed: dict[str, tuple[int | None, Any]] = {}  # uri -> (version, parse result)
_CACHE_LIMIT = 256
_in_flight: dict[tuple[str, int], asyncio.Future[Any]] = {}  # parses under way


def refresh_lenses(ls: LaminaServer) -> None:
    if ls.capability("workspace.code_lens.refresh_support"):
        ls.workspace_code_lens_refresh(None)


def _cached(uri: str, version: int | None, parse: Any, source: str) -> Any:
    hit = _parsed.get(uri)
    if hit is not None and version is not None and hit[0] == version:
        return hit[1]
    result = parse(source)
    if len(_parsed) > _CACHE_LIMIT:
        _parsed.clear()
    _parsed[uri] = (version, result)
    return result


async def _parse_off_the_loop(
    ls: LaminaServer, uri: str, version: int | None, parse: Any, source: str
) -> None:
    """Fill the parse cache from a worker thread: a big file's parse must not stop the server
    answering (the lens builders then find it cached). Requests for the same version share one
    parse; a parse the editor's newer text makes moot stops (between pieces, for Python) and the
    request gets ContentModified, which tells the client to ask again."""
    hit = _parsed.get(uri)
    if version is None or (hit is not None and hit[0] == version):
        return

    def superseded() -> bool:
        current = ls.workspace.text_documents.get(uri)
        return current is None or current.version != version

    key = (uri, version)
    parsing = _in_flight.get(key)
    if parsing is None:
        work = (
            functools.partial(parse, source, superseded)
            if parse is top_level_functions
            else functools.partial(parse, source)
        )
        parsing = asyncio.ensure_future(asyncio.to_thread(work))
        _in_flight[key] = parsing
        parsing.add_done_callback(lambda _: _in_flight.pop(key, None))
    try:
        result = await asyncio.shield(parsing)
    except Superseded:
        result = None
    if result is None or superseded():
        raise JsonRpcContentModified(f"{uri} changed while it was being parsed")
    if len(_parsed) > _CACHE_LIMIT:
        _parsed.clear()
    _parsed[uri] = (version, result)


def _label(ls: LaminaServer, spec: FunctionSpec) -> str | None:
    return event_label(spec, ls.state.selections, ls.settings.text("defaultEvent"))


def python_lenses(
    ls: LaminaServer, path: Path, source: str, version: int | None, loaded: LoadedProject | None
) -> list[LensGroup]:
    uri = path.as_uri()
    definitions: dict[str, FunctionDef] = _cached(uri, version, top_level_functions, source)
    if not definitions:
        return []
    lenses: list[LensGroup] = []
    covered: set[str] = set()
    specs = loaded.specs_for_file(path) if loaded else []
    zipped = loaded.specs_from_archive(path) if loaded else []
    from_source = {id(spec) for spec in specs}
    users = Counter(spec.function for spec in specs + zipped)  # once: 10,000 may share a file
    unbound: dict[str, bool] = {}  # per name, not per function: parsing is the cost
    handler_missing = False
    for spec in specs + zipped:
        definition = definitions.get(spec.function)
        if definition is None:  # imported or assigned: no lens on imports
            if id(spec) in from_source and not handler_missing:
                if spec.function not in unbound:
                    unbound[spec.function] = _unbound(source, spec.function)
                handler_missing = unbound[spec.function]
            continue
        shared = users[spec.function] > 1
        title = f" {spec.logical_id}" if shared else ""
        if spec.code_archive is not None:  # Run runs the archive, not this file's text
            title += f" {spec.code_archive.name} (not this file)"
        covered.add(definition.name)
        lenses.append(
            LensGroup(
                definition.line,
                definition.start_column,
                definition.end_column,
                spec.logical_id,
                _label(ls, spec),
                title,
                not is_custom_runtime(spec.runtime),
                shared,
            )
        )
    root = ls.state.root
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = path
    if is_test_file(relative) or handler_missing:
        # A template's Handler names a function this file lacks (its diagnostic says so, and
        # the resource's own lens runs it, failing as Lambda does): a lens on another def here
        # would run a function the template never runs.
        return lenses
    for definition in definitions.values():
        if definition.name in covered or not definition.looks_like_handler:
            continue
        target = f"{relative.as_posix()}:{definition.name}"
        lenses.append(
            LensGroup(
                definition.line,
                definition.start_column,
                definition.end_column,
                target,
                _target_label(ls, path, target),
                "",
            )
        )
    return lenses


def _unbound(source: str, name: str) -> bool:
    """True when nothing at the file's top level binds `name` (no def, import or assignment)."""
    from lamina.project.discovery import parse_module, top_level_bindings

    module = parse_module(source)
    if module is None:
        return False
    bindings = top_level_bindings(module)
    return name not in bindings and "*" not in bindings


def _target_label(ls: LaminaServer, path: Path, target: str) -> str | None:
    from lamina.project.events import events_for
    from lamina.project.spec import FunctionSpec
    from lamina.project.target import target_logical_id

    name = target.rsplit(":", 1)[1]
    spec = FunctionSpec(target_logical_id(path, name), f"{path.stem}.{name}", path.parent)
    spec.events = events_for(spec, ls.state.root)
    return _label(ls, spec)


def _resource_lines(source: str) -> dict[str, int]:
    from lamina.project.cfn_yaml import parse_cfn_yaml
    from lamina.project.spec import ProjectError
    from lamina.project.template_lines import scan_resource_lines

    scanned = scan_resource_lines(source)  # milliseconds, where a parse takes seconds
    if scanned is not None:
        return scanned
    try:
        return parse_cfn_yaml(source, Path("template.yaml")).resource_lines
    except ProjectError:
        return {}


def project_file_lenses(
    ls: LaminaServer, path: Path, source: str, version: int | None, loaded: LoadedProject
) -> list[LensGroup]:
    """Lenses on the functions a project file defines: a template's resources (at their lines
    in the editor's text, which may not be saved yet), else where the model read them from
    (pyproject.toml, serverless.yml, *.tf, a nested template)."""
    functions = loaded.specs_defined_in(path)
    lines = {spec.logical_id: spec.source_line for spec in functions}
    if any(spec.source == "template" for spec in functions):
        resources = dict(_cached(path.as_uri(), version, _resource_lines, source))
        for spec in functions:  # a nested template's functions are named Parent/Child
            own_id = spec.logical_id.rsplit("/", 1)[-1]
            lines[spec.logical_id] = resources.get(own_id, spec.source_line)
    text_lines = source.splitlines()
    lenses: list[LensGroup] = []
    for spec in functions:
        line = lines.get(spec.logical_id)
        if line is None:
            continue
        text = text_lines[line - 1] if 0 < line <= len(text_lines) else ""
        start = len(text) - len(text.lstrip())
        own_id = spec.logical_id.rsplit("/", 1)[-1]
        end = start + len(own_id) if own_id in text else len(text)
        debuggable = not is_custom_runtime(spec.runtime)
        lenses.append(
            LensGroup(line - 1, start, end, spec.logical_id, _label(ls, spec), "", debuggable)
        )
    return lenses


async def document_lenses(ls: LaminaServer, uri: str) -> list[types.CodeLens]:
    groups = await document_lens_groups(ls, uri)
    return await extra_lenses(ls, uri) + lens_objects(groups)


async def extra_lenses(ls: LaminaServer, uri: str) -> list[types.CodeLens]:
    """Other features' lenses on this document (EXTRA_LENSES), first on their lines."""
    path_text = to_fs_path(uri) if EXTRA_LENSES else None
    if path_text is None:
        return []
    path = Path(os.path.abspath(path_text))
    loaded = await ls.state.index.current()
    return [lens for extra in EXTRA_LENSES for lens in extra(ls, path, loaded)]


async def document_lens_groups(ls: LaminaServer, uri: str) -> list[LensGroup]:
    await ls.state.settings_ready.wait()  # an Event title depends on `defaultEvent`
    path_text = to_fs_path(uri)
    if path_text is None:
        return []
    path = Path(os.path.abspath(path_text))
    document = ls.workspace.get_text_document(uri)
    if over_limit(ls, uri, document.source):
        return []
    loaded = await ls.state.index.current()
    source, version = document.source, document.version
    if path.suffix == ".py":
        await _parse_off_the_loop(ls, path.as_uri(), version, top_level_functions, source)
        return python_lenses(ls, path, source, version, loaded)
    if loaded is not None and ls.state.index.is_project_file(path):
        if path.name != "pyproject.toml":
            await _parse_off_the_loop(ls, path.as_uri(), version, _resource_lines, source)
        return project_file_lenses(ls, path, source, version, loaded)
    return []


def register(server: LaminaServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(ls: LaminaServer, params: types.CodeLensParams) -> PrebuiltJson:
        uri = params.text_document.uri
        early = await early_answer(ls, uri)  # before a slow load ends: what the text shows
        if early is not None:
            return early
        fragment = await _lens_fragment(ls, uri)
        return joined_json(fragment, before=await extra_lenses(ls, uri))


_answers: dict[str, tuple[tuple[Any, ...], str]] = {}  # uri -> (what it depends on, JSON)


def _depends_on(ls: LaminaServer, uri: str) -> tuple[Any, ...]:
    document = ls.workspace.text_documents.get(uri)
    return (
        document.version if document is not None else None,
        ls.state.index.last_good,  # compared by identity (LoadedProject's eq is by value)
        ls.state.selections.revision,
        ls.settings.text("defaultEvent"),
    )


def _same(first: tuple[Any, ...], second: tuple[Any, ...]) -> bool:
    return first[0] is not None and all(
        a is b if i == 1 else a == b for i, (a, b) in enumerate(zip(first, second, strict=True))
    )


async def _lens_fragment(ls: LaminaServer, uri: str) -> str:
    """The document's lenses as a JSON fragment, built once per document version, project
    model, event selection and default event: an editor asks again on every scroll and focus,
    and 40,000 lenses take a while to build. A request whose document changed while it waited
    (for the project to load) gets ContentModified: its lenses would be stale."""
    asked = _depends_on(ls, uri)[0]  # the version the client asked about
    await ls.state.settings_ready.wait()
    await ls.state.index.current()  # a reload under way makes a new model
    before = _depends_on(ls, uri)
    if before[0] != asked:
        raise JsonRpcContentModified(f"{uri} changed while its lenses were being made")
    hit = _answers.get(uri)
    if hit is not None and _same(hit[0], before):
        return hit[1]
    fragment = groups_json(await document_lens_groups(ls, uri))
    if not _same(before, _depends_on(ls, uri)):  # something changed meanwhile
        if _depends_on(ls, uri)[0] != asked:
            raise JsonRpcContentModified(f"{uri} changed while its lenses were being made")
        return fragment
    if len(_answers) > _CACHE_LIMIT:
        _answers.clear()
    _answers[uri] = (before, fragment)
    return fragment
