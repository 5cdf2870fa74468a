"""Quick fixes for the published diagnostics (see lamina.project.diagnostics): each fix becomes
a code action with a workspace edit (or a command, such as installing requirements). A fix
that creates a file is offered only to clients that can create files through an edit.
The `source.lamina` actions (run, debug, sync, ...) come from source_actions, and only when
the request asks for them: a quick-fix request never runs anything."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from lamina.lsp.diagnostics_publisher import to_lsp, to_range
from lamina.lsp.server import LaminaServer
from lamina.lsp.source_actions import (
    SOURCE_KIND,
    kind_requested,
    source_actions,
    wants_source_actions,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from lamina.project.diagnostics import Fix, ProjectDiagnostic


def _uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return (position.line, position.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _edit(ls: LaminaServer, fix: Fix) -> types.WorkspaceEdit | None:
    document_changes = bool(ls.capability("workspace.workspace_edit.document_changes"))
    operations = ls.capability("workspace.workspace_edit.resource_operations") or []
    if fix.new_files and not (
        document_changes and types.ResourceOperationKind.Create in operations
    ):
        return None
    by_file: dict[str, list[types.TextEdit]] = {}
    for replacement in fix.replacements:
        by_file.setdefault(_uri(replacement.path), []).append(
            types.TextEdit(range=to_range(replacement.span), new_text=replacement.new_text)
        )
    if not document_changes:
        return types.WorkspaceEdit(changes=by_file)
    changes: list[Any] = []
    start = types.Range(start=types.Position(0, 0), end=types.Position(0, 0))
    for new_file in fix.new_files:
        uri = _uri(new_file.path)
        changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions()))
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=[types.TextEdit(range=start, new_text=new_file.text)],
            )
        )
    for uri, edits in by_file.items():
        document = ls.workspace.text_documents.get(uri)
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=document.version if document else None
                ),
                edits=edits,
            )
        )
    return types.WorkspaceEdit(document_changes=changes)


def code_actions_for(
    ls: LaminaServer, diagnostics: list[ProjectDiagnostic], requested: types.Range
) -> list[types.CodeAction]:
    actions: list[types.CodeAction] = []
    for diagnostic in diagnostics:
        lsp_diagnostic = to_lsp(diagnostic)
        if not _overlaps(lsp_diagnostic.range, requested):
            continue
        for fix in diagnostic.fixes:
            command = (
                types.Command(fix.title, fix.command, arguments=[dict(fix.arguments or {})])
                if fix.command
                else None
            )
            edit = _edit(ls, fix) if fix.replacements or fix.new_files else None
            if edit is None and command is None:
                continue
            actions.append(
                types.CodeAction(
                    title=fix.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[lsp_diagnostic],
                    is_preferred=len(diagnostic.fixes) == 1,
                    edit=edit,
                    command=command,
                )
            )
    return actions


# Actions other features add (each called with the request's params; durable callbacks).
EXTRA_ACTIONS: list[
    Callable[[LaminaServer, types.CodeActionParams], Awaitable[list[types.CodeAction]]]
] = []


def register(server: LaminaServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, SOURCE_KIND]),
    )
    async def code_action(
        ls: LaminaServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        actions: list[types.CodeAction] = []
        if kind_requested(params.context.only, types.CodeActionKind.QuickFix):
            published = ls.state.diagnostics.at(params.text_document.uri)
            actions += code_actions_for(ls, published, params.range)
        if wants_source_actions(params.context):
            actions += await source_actions(ls, params)
        for extra in EXTRA_ACTIONS:
            actions += await extra(ls, params)
        return actions
