"""`lamina.createHandler {template, name, path?}`: scaffold a function (lamina.project.scaffold)
and apply it through workspace/applyEdit; what the client can't do (create files, or any
edit) is written to disk instead. Then the new handler opens (window/showDocument).
`{pick: true, template?, path?}` (the code action's) chooses a free name instead: see
create_handler_pick."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from lamina.lsp.arguments import CommandArguments
from lamina.lsp.create_handler_pick import created_message, pick_kind_and_name
from lamina.lsp.errors import UserError
from lamina.lsp.server import LaminaServer
from lamina.project.spec import ProjectError

if TYPE_CHECKING:
    from lamina.project.scaffold import PlannedFile, ScaffoldPlan

log = logging.getLogger(__name__)


def _uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def _position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return types.Position(line=line, character=column)


def minimal_edit(original: str, new: str) -> types.TextEdit:
    """One edit turning `original` into `new`: the differing middle only."""
    prefix = 0
    limit = min(len(original), len(new))
    while prefix < limit and original[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix
        and original[len(original) - 1 - suffix] == new[len(new) - 1 - suffix]
    ):
        suffix += 1
    return types.TextEdit(
        range=types.Range(
            start=_position(original, prefix), end=_position(original, len(original) - suffix)
        ),
        new_text=new[prefix : len(new) - suffix],
    )


def _document_version(ls: LaminaServer, path: Path) -> int | None:
    document = ls.workspace.text_documents.get(_uri(path))
    return document.version if document is not None else None


def workspace_edit(
    ls: LaminaServer, files: list[PlannedFile], document_changes: bool
) -> types.WorkspaceEdit:
    if not document_changes:
        return types.WorkspaceEdit(
            changes={_uri(f.path): [minimal_edit(f.original or "", f.text)] for f in files}
        )
    changes: list[Any] = []
    start = types.Range(start=types.Position(0, 0), end=types.Position(0, 0))
    for planned in files:
        uri = _uri(planned.path)
        if planned.is_new:
            changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions()))
            edit = types.TextEdit(range=start, new_text=planned.text)
            version = None
        else:
            edit = minimal_edit(planned.original or "", planned.text)
            version = _document_version(ls, planned.path)
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=version
                ),
                edits=[edit],
            )
        )
    return types.WorkspaceEdit(document_changes=changes)


async def apply_plan(ls: LaminaServer, plan: ScaffoldPlan) -> str:
    """Apply the plan; returns how: "workspaceEdit", "files", or "workspaceEdit+files"."""
    from lamina.project.run_configurations import write_text_atomically

    can_apply = bool(ls.capability("workspace.apply_edit"))
    document_changes = bool(ls.capability("workspace.workspace_edit.document_changes"))
    operations = ls.capability("workspace.workspace_edit.resource_operations") or []
    can_create = can_apply and document_changes and types.ResourceOperationKind.Create in operations
    by_edit = [f for f in plan.files if (can_create if f.is_new else can_apply)]
    on_disk = [f for f in plan.files if f not in by_edit]
    if by_edit:
        edit = workspace_edit(ls, by_edit, document_changes)
        try:
            result = await ls.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label=f"Create {plan.logical_id}")
            )
            applied = bool(result and result.applied)
            reason = (result.failure_reason if result else None) or "refused"
        except Exception as e:
            applied, reason = False, str(e)
        if not applied:
            log.info("workspace/applyEdit failed (%s); writing the files instead", reason)
            open_files = [f for f in by_edit if _document_version(ls, f.path) is not None]
            if open_files:
                raise UserError(
                    f"the editor did not apply the changes ({reason}); "
                    f"{open_files[0].path.name} is open with its own text"
                )
            on_disk, by_edit = on_disk + by_edit, []

    def write() -> None:
        for planned in on_disk:
            if planned.is_new and planned.path.exists():
                raise ProjectError("exists already", planned.path)
        for planned in on_disk:
            write_text_atomically(planned.path, planned.text)

    await asyncio.to_thread(write)
    return "+".join(how for how, used in (("workspaceEdit", by_edit), ("files", on_disk)) if used)


async def show_handler(ls: LaminaServer, plan: ScaffoldPlan, told: bool = False) -> None:
    """Open the new handler; without window/showDocument, say where it is (unless `told`)."""
    line = plan.handler_line - 1
    if ls.capability("window.show_document.support"):
        try:
            await ls.window_show_document_async(
                types.ShowDocumentParams(
                    uri=_uri(plan.handler_file),
                    take_focus=True,
                    selection=types.Range(
                        start=types.Position(line=line, character=0),
                        end=types.Position(line=line, character=0),
                    ),
                )
            )
            return
        except Exception as e:
            log.info("window/showDocument failed: %s", e)
    if not told:
        ls.show(f"Created {plan.logical_id}: {plan.handler_file}:{plan.handler_line}")


async def project_file(ls: LaminaServer) -> Path | None:
    """The file the project is read from (the `template` setting's, samconfig's, ...); when it
    does not load, the one it would be read from."""
    from lamina.project.formats import find_project_file

    await ls.state.settings_ready.wait()  # the `template` setting chooses the file
    loaded = await ls.state.index.current()
    if loaded is not None:
        return loaded.project.template_path
    options = ls.state.index.options
    if options is not None and options.template is not None:
        return options.template
    return find_project_file(ls.state.root)


def register(server: LaminaServer) -> None:
    @server.command("lamina.createHandler")
    async def create_handler(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        from lamina.project.scaffold import plan_function, template_to_extend

        args = CommandArguments("lamina.createHandler", arguments)
        pick = bool(args.flag("pick"))
        kind = args.text("template") if pick else args.required_text("template")
        name = None if pick else args.required_text("name")
        root = ls.state.root
        try:
            template = template_to_extend(root, await project_file(ls))
            open_template = ls.workspace.text_documents.get(_uri(template))
            template_text = open_template.source if open_template else None
            if pick:
                picked = await pick_kind_and_name(
                    ls, kind, args.text("path"), template, template_text
                )
                if picked is None:
                    return {"function": None, "cancelled": True}
                kind, name = picked
            assert kind is not None and name is not None
            plan = await asyncio.to_thread(
                plan_function,
                root,
                kind,
                name,
                args.text("path"),
                template_text=template_text,
                template_path=template,
            )
            how = await apply_plan(ls, plan)
        except ProjectError as e:
            ls.show(f"Lamina: {e}", types.MessageType.Error)
            raise UserError(str(e)) from None
        await ls.state.changes.handle([f.path for f in plan.files])
        ls.state.selections.set(plan.logical_id, plan.event_file.stem)
        if pick:
            ls.show(
                created_message(
                    root, plan.logical_id, plan.kind, template, plan.handler_file, plan.handler_line
                )
            )
        await show_handler(ls, plan, told=pick)
        return {
            "function": plan.logical_id,
            "template": plan.kind,
            "handlerFile": {"uri": _uri(plan.handler_file), "line": plan.handler_line - 1},
            "files": [_uri(f.path) for f in plan.files],
            "applied": how,
        }
