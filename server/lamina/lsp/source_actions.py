"""Every editor action as a code action of kind `source.lamina`, for editors that show code
actions but no code lenses (Emacs eglot, Kate, Helix) or where lenses are off.

On a handler's `def` line and on a function's line of a project file (the template resource,
the serverless.yml key, ...), for each function there:

    Lamina: Run OrdersFunction (event create-item)      lamina.run
    Lamina: Debug OrdersFunction (event create-item)    lamina.debug
    Lamina: Sync OrdersFunction                         lamina.sync
    Lamina: Run OrdersFunction with <event>             lamina.run {event}
    Lamina: Next event for OrdersFunction               lamina.selectEvent
    Lamina: Save run configuration "OrdersFunction …"   lamina.saveRunConfiguration

and anywhere, the project's commands (sync all, auto sync, target, emulator start/stop); in the
template new functions go to and in the project's Python files, "Create handler…"
(lamina.createHandler {pick: true}: see create_handler_pick). Each title is computed after the
client's settings are read (the event a run takes depends on `defaultEvent`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from lamina.lsp.create_handler import project_file
from lamina.lsp.create_handler_pick import CREATE_TITLE, offered_in
from lamina.lsp.event_selections import event_label
from lamina.lsp.server import LaminaServer
from lamina.project.lambda_runtimes import is_custom_runtime
from lamina.project.spec import ProjectError

if TYPE_CHECKING:
    from lamina.project.spec import FunctionSpec

# One kind for all of them, no sub-kinds: eglot filters the answer to `only` by equality, so
# `M-x eglot-code-actions` with kind source.lamina would drop a source.lamina.run.
SOURCE_KIND = "source.lamina"
SHOWN_EVENTS = 20  # a menu, not a list: the rest are reached through lamina.selectEvent


def _kind_text(kind: str) -> str:
    """A kind as its text: lsprotocol's CodeActionKind members are str enums, whose str() is
    their qualified name on Python 3.11."""
    value = getattr(kind, "value", kind)
    return value if isinstance(value, str) else str(value)


def kind_requested(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a request's `only` admits `kind` (kinds are hierarchical: "source" admits
    "source.lamina.run"; "" admits everything)."""
    if only is None:
        return True
    kind = _kind_text(kind)
    return any(
        not wanted or kind == wanted or kind.startswith(f"{wanted}.")
        for wanted in map(_kind_text, only)
    )


def wants_source_actions(context: types.CodeActionContext) -> bool:
    """Source actions answer requests that ask for them, or for no kind in particular; never a
    quick fix: a client that sends the diagnostics at the cursor without `only` (Kate's Quick
    Fix) is asking for fixes, and must not be offered (or apply) a run."""
    only = context.only
    if only is None:
        return not context.diagnostics
    return any(
        not wanted or wanted.startswith(SOURCE_KIND) or SOURCE_KIND.startswith(f"{wanted}.")
        for wanted in map(_kind_text, only)
    )


def _action(title: str, kind: str, command: str, argument: dict[str, Any]) -> types.CodeAction:
    return types.CodeAction(
        title=f"Lamina: {title}",
        kind=kind,
        command=types.Command(title=f"Lamina: {title}", command=command, arguments=[argument]),
    )


def function_actions(ls: LaminaServer, spec: FunctionSpec, function: str) -> list[types.CodeAction]:
    """Run, Debug, Sync, each event, the next event, and saving a run configuration."""
    label = event_label(spec, ls.state.selections, ls.settings.text("defaultEvent"))
    with_event = f" (event {label})" if label else " (event {})"
    target = {"function": function}
    actions = [_action(f"Run {function}{with_event}", SOURCE_KIND, "lamina.run", target)]
    if not is_custom_runtime(spec.runtime):  # debugpy can't hold a custom runtime's bootstrap
        actions.append(
            _action(f"Debug {function}{with_event}", SOURCE_KIND, "lamina.debug", target)
        )
    actions.append(_action(f"Sync {function}", SOURCE_KIND, "lamina.sync", target))
    for event in spec.events[:SHOWN_EVENTS]:
        actions.append(
            _action(
                f"Run {function} with {event.name}",
                SOURCE_KIND,
                "lamina.run",
                {"function": function, "event": event.name},
            )
        )
    if len(spec.events) > 1:
        actions.append(
            _action(f"Next event for {function}", SOURCE_KIND, "lamina.selectEvent", target)
        )
    name = f"{function} {label}" if label else function
    configuration: dict[str, Any] = {"name": name, "function": function}
    if label:
        configuration["event"] = label
    actions.append(
        _action(
            f'Save run configuration "{name}"',
            SOURCE_KIND,
            "lamina.saveRunConfiguration",
            configuration,
        )
    )
    return actions


def project_actions(ls: LaminaServer) -> list[types.CodeAction]:
    """The project's commands, with the target and auto sync as they are now."""
    target = str(ls.settings.get("sync.target") or "emulator")
    other = "aws" if target == "emulator" else "emulator"
    return [
        _action("Sync all functions", SOURCE_KIND, "lamina.syncAll", {}),
        _action("Toggle sync on save", SOURCE_KIND, "lamina.toggleAutoSync", {}),
        _action(
            f"Sync target: {other} (now {target})",
            SOURCE_KIND,
            "lamina.setTarget",
            {"target": other},
        ),
        _action("Start the emulator", SOURCE_KIND, "lamina.startEmulator", {}),
        _action("Stop the emulator", SOURCE_KIND, "lamina.stopEmulator", {}),
    ]


async def _create_offered(ls: LaminaServer, uri: str) -> bool:
    """Whether "Create handler…" belongs in this document's menu: not where Lamina can't add
    a function (a project read from serverless.yml, Terraform, CDK, a JSON template)."""
    from lamina.project.scaffold import template_to_extend

    path_text = to_fs_path(uri)
    if not path_text:
        return False
    try:
        template = template_to_extend(ls.state.root, await project_file(ls))
    except ProjectError:
        return False
    return offered_in(Path(path_text), ls.state.root, template)


async def _functions_on_lines(ls: LaminaServer, uri: str, first: int, last: int) -> list[str]:
    """The functions whose lenses stand on the requested lines, in order, once each."""
    from lamina.lsp.code_lenses import document_lenses

    functions: list[str] = []
    for lens in await document_lenses(ls, uri):
        command = lens.command
        if command is None or not first <= lens.range.start.line <= last:
            continue
        argument = (command.arguments or [None])[0]
        function = argument.get("function") if isinstance(argument, dict) else None
        if isinstance(function, str) and function not in functions:
            functions.append(function)
    return functions


async def source_actions(
    ls: LaminaServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    await ls.state.settings_ready.wait()  # titles name the event `defaultEvent` may choose
    only = params.context.only
    first, last = params.range.start.line, params.range.end.line
    actions: list[types.CodeAction] = []
    functions = await _functions_on_lines(ls, params.text_document.uri, first, last)
    if functions:
        project = await ls.state.index.current()
        path_text = to_fs_path(params.text_document.uri)
        cwd = Path(os.path.dirname(path_text)) if path_text else ls.state.root
        for function in functions:
            try:
                spec = project.project.find(function, cwd=ls.state.root) if project else None
            except ProjectError:
                spec = None
            if spec is None:
                from lamina.project.target import parse_target

                try:
                    spec = parse_target(function, [ls.state.root, cwd])
                except ProjectError:
                    continue
            actions += function_actions(ls, spec, function)
    actions += project_actions(ls)
    if await _create_offered(ls, params.text_document.uri):
        actions.append(_action(CREATE_TITLE, SOURCE_KIND, "lamina.createHandler", {"pick": True}))
    return [action for action in actions if kind_requested(only, _kind_text(action.kind or ""))]
