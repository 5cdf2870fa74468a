"""The sync commands (DESIGN.md, Interfaces): `lamina.sync {function}` (the ⇪ Sync lens),
`lamina.syncAll {}`, `lamina.toggleAutoSync {enabled?}`, `lamina.setTarget {target}`,
`lamina.startEmulator {}` and `lamina.stopEmulator {}`. Each answers with plain JSON; deploy
states also arrive as `lamina/syncStatus` notifications (see editor_sync)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from lamina.lsp.arguments import CommandArguments
from lamina.lsp.editor_sync import SyncSettingsError
from lamina.lsp.errors import UserError
from lamina.lsp.server import LaminaServer
from lamina.project.spec import ProjectError

if TYPE_CHECKING:
    from lamina.deploy.sync_manager import SyncManager
    from lamina.deploy.sync_status import SyncStatus

TARGETS = ("emulator", "aws")


async def _manager(ls: LaminaServer) -> SyncManager:
    try:
        return await ls.state.sync.ensure()
    except (ProjectError, SyncSettingsError) as e:
        ls.show(f"Lamina: {e}", types.MessageType.Error)
        raise UserError(str(e)) from None


def _result(status: SyncStatus) -> dict[str, Any]:
    payload = status.to_payload()
    payload["ok"] = status.state.value == "done"
    return payload


async def sync_one(ls: LaminaServer, args: CommandArguments) -> dict[str, Any]:
    manager = await _manager(ls)
    function = args.text("function")
    if function is None and len(manager.project.functions) == 1:
        function = next(iter(manager.project.functions))
    if function is None:
        known = ", ".join(manager.project.functions) or "none in this project"
        raise UserError(f'lamina.sync needs "function": a logical id ({known})')
    try:
        status = await manager.sync(function)
    except ProjectError as e:
        ls.show(f"Lamina: {e}", types.MessageType.Error)
        raise UserError(str(e)) from None
    return _result(status)


async def sync_all(ls: LaminaServer) -> list[dict[str, Any]]:
    manager = await _manager(ls)
    return [_result(status) for status in await manager.sync_all()]


async def toggle_auto_sync(ls: LaminaServer, args: CommandArguments) -> dict[str, Any]:
    manager = await _manager(ls)
    enabled = args.flag("enabled")
    if enabled is None:
        enabled = not manager.auto_sync
    state = manager.set_auto(enabled)
    target = manager.target.value
    ls.show(f"Lamina: sync on save is {'on' if state else 'off'} (target: {target})")
    return {"enabled": state, "target": target}


async def set_target(ls: LaminaServer, args: CommandArguments) -> dict[str, Any]:
    target = args.required_text("target")
    if target not in TARGETS:
        raise UserError(f'lamina.setTarget: "target" must be "emulator" or "aws", not {target!r}')
    manager = await _manager(ls)
    ls.state.sync.set_target(manager, target)
    auto = manager.auto_sync
    ls.show(f"Lamina: syncing to {target}; sync on save is {'on' if auto else 'off'}")
    return {"target": target, "enabled": auto}


async def start_emulator(ls: LaminaServer) -> dict[str, Any]:
    from lamina.deploy.sync_errors import SyncError

    manager = await _manager(ls)
    try:
        endpoint = await manager.start_emulator()
    except SyncError as e:
        ls.show(f"Lamina: {e.message}", types.MessageType.Error)
        raise UserError(e.message) from None
    started = manager.emulator_started_here
    ls.show(f"Lamina: the emulator {'started' if started else 'already runs'} at {endpoint}")
    return {"endpoint": endpoint, "startedHere": started}


async def stop_emulator(ls: LaminaServer) -> dict[str, Any]:
    manager = await _manager(ls)
    stopped = await manager.stop_emulator()
    if stopped:
        ls.show("Lamina: the emulator stopped")
    else:
        ls.show("Lamina: no emulator started by this editor to stop")
    return {"stopped": stopped}


def register(server: LaminaServer) -> None:
    @server.command("lamina.sync")
    async def sync(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        return await sync_one(ls, CommandArguments("lamina.sync", arguments))

    @server.command("lamina.syncAll")
    async def sync_all_command(ls: LaminaServer, *arguments: Any) -> list[dict[str, Any]]:
        CommandArguments("lamina.syncAll", arguments)
        return await sync_all(ls)

    @server.command("lamina.toggleAutoSync")
    async def toggle(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        return await toggle_auto_sync(ls, CommandArguments("lamina.toggleAutoSync", arguments))

    @server.command("lamina.setTarget")
    async def target(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        return await set_target(ls, CommandArguments("lamina.setTarget", arguments))

    @server.command("lamina.startEmulator")
    async def start(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        CommandArguments("lamina.startEmulator", arguments)
        return await start_emulator(ls)

    @server.command("lamina.stopEmulator")
    async def stop(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        CommandArguments("lamina.stopEmulator", arguments)
        return await stop_emulator(ls)
