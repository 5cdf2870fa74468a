"""The project model for clients that build their own UI, and the run configurations:

- `lamina.listFunctions {}`: every function (template, pyproject, and handler files);
- `lamina.listEvents {function}`: a function's sample events;
- `lamina.selectEvent {function, event?}`: the event Run uses for a function (without `event`,
  the user picks one through window/showMessageRequest, or the next one is taken);
- `lamina.saveRunConfiguration {name, function, event?, env?}`: saved to
  .lamina/run-configurations.json, plus PyCharm's .run/<name>.run.xml and an entry in
  .vscode/launch.json.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from lamina.lsp.arguments import CommandArguments
from lamina.lsp.code_lenses import refresh_lenses
from lamina.lsp.errors import UserError
from lamina.lsp.event_selections import event_label
from lamina.lsp.server import LaminaServer
from lamina.project.spec import ProjectError

if TYPE_CHECKING:
    from lamina.project.spec import FunctionSpec

SHOWN_EVENT_CHOICES = 20


def _uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return str(path)


def function_row(ls: LaminaServer, spec: FunctionSpec) -> dict[str, Any]:
    from lamina.project.discovery import find_handler_location

    root = ls.state.root
    location = find_handler_location(spec)
    return {
        "logicalId": spec.logical_id,
        "functionName": spec.function_name,
        "handler": spec.handler,
        "runtime": spec.runtime,
        "codeUri": _relative(spec.code_dir, root),
        "handlerFile": {"uri": _uri(location[0]), "line": location[1] - 1} if location else None,
        "timeout": spec.timeout,
        "memorySize": spec.memory_size,
        "events": [event.name for event in spec.events],
        "selectedEvent": event_label(spec, ls.state.selections, ls.settings.text("defaultEvent")),
        "source": spec.source,
        "sourceLocation": (
            {"uri": _uri(spec.source_path), "line": (spec.source_line or 1) - 1}
            if spec.source_path
            else None
        ),
    }


async def _spec(ls: LaminaServer, args: CommandArguments) -> FunctionSpec:
    try:
        project = await ls.state.index.project()
        return project.find(args.required_text("function"), cwd=ls.state.root)
    except ProjectError as e:
        raise UserError(str(e)) from None


async def list_functions(ls: LaminaServer) -> list[dict[str, Any]]:
    from lamina.lsp.file_handlers import file_handler_specs

    try:
        project = await ls.state.index.project()
    except ProjectError as e:
        raise UserError(str(e)) from None
    specs = list(project.functions.values())
    specs += await asyncio.to_thread(file_handler_specs, ls.state.root, specs)
    rows = await asyncio.to_thread(lambda: [function_row(ls, spec) for spec in specs])
    return rows


async def choose_event(ls: LaminaServer, spec: FunctionSpec) -> str | None:
    """Ask the user (window/showMessageRequest); without that, take the next event."""
    names = [event.name for event in spec.events]
    if not names:
        return None
    current = event_label(spec, ls.state.selections, ls.settings.text("defaultEvent"))
    if ls.capability("window.show_message.message_action_item") is not None:
        try:
            picked = await ls.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=types.MessageType.Info,
                    message=f"Event for {spec.logical_id} (now: {current or 'none'})",
                    actions=[types.MessageActionItem(title=n) for n in names[:SHOWN_EVENT_CHOICES]],
                )
            )
        except Exception:
            picked = None
        else:
            return picked.title if picked is not None else current
    index = names.index(current) + 1 if current in names else 0
    return names[index % len(names)]


def register(server: LaminaServer) -> None:
    @server.command("lamina.listFunctions")
    async def list_functions_command(ls: LaminaServer, *arguments: Any) -> list[dict[str, Any]]:
        return await list_functions(ls)

    @server.command("lamina.listEvents")
    async def list_events(ls: LaminaServer, *arguments: Any) -> list[dict[str, Any]]:
        spec = await _spec(ls, CommandArguments("lamina.listEvents", arguments))
        selected = event_label(spec, ls.state.selections, ls.settings.text("defaultEvent"))
        return [
            {
                "name": event.name,
                "path": _relative(event.path, ls.state.root),
                "uri": _uri(event.path),
                "selected": event.name == selected,
            }
            for event in spec.events
        ]

    @server.command("lamina.selectEvent")
    async def select_event(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        from lamina.project.events import find_event

        args = CommandArguments("lamina.selectEvent", arguments)
        spec = await _spec(ls, args)
        event = args.text("event") or await choose_event(ls, spec)
        if event is None:
            message = (
                f"{spec.logical_id} has no sample events: add JSON files to "
                f"{_relative(spec.code_dir / 'events', ls.state.root)}/ or events/"
            )
            ls.show(message, types.MessageType.Warning)
            return {"function": spec.logical_id, "event": None}
        try:
            find_event(spec, ls.state.root, event, cwd=ls.state.root)
        except ProjectError as e:
            raise UserError(str(e)) from None
        ls.state.selections.set(spec.logical_id, event)
        refresh_lenses(ls)
        return {"function": spec.logical_id, "event": event}

    @server.command("lamina.saveRunConfiguration")
    async def save_run_configuration(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        from lamina.project.events import find_event
        from lamina.project.ide_run_files import (
            add_vscode_launch_configuration,
            write_pycharm_run_configuration,
        )
        from lamina.project.run_configurations import (
            RunConfiguration,
            check_name,
            save_run_configuration,
        )

        args = CommandArguments("lamina.saveRunConfiguration", arguments)
        root = ls.state.root
        try:
            name = check_name(args.required_text("name"))
            spec = await _spec(ls, args)
            event = args.text("event")
            if event:
                find_event(spec, root, event, cwd=root)
            configuration = RunConfiguration(
                name, args.required_text("function"), event, args.string_map("env")
            )

            def write() -> list[Path]:
                return [
                    save_run_configuration(root, configuration),
                    write_pycharm_run_configuration(root, name),
                    add_vscode_launch_configuration(root, name),
                ]

            files = await asyncio.to_thread(write)
        except ProjectError as e:
            raise UserError(str(e)) from None
        ls.show(f"Saved run configuration '{name}' ({spec.logical_id})")
        return {
            "name": name,
            "function": spec.logical_id,
            "files": [_relative(path, root) for path in files],
        }
