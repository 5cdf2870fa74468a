"""Commands whose features are built in their own issues: registered now (the lenses use
them), answering a clear "not available yet" until they land."""

from __future__ import annotations

from typing import Any

from lamina.lsp.errors import NotAvailableYet
from lamina.lsp.server import LaminaServer

PENDING = {
    "lamina.debug": "breakpoint debugging (issue 5)",
    "lamina.sync": "save-to-deploy sync (issue 6)",
    "lamina.syncAll": "save-to-deploy sync (issue 6)",
    "lamina.toggleAutoSync": "save-to-deploy sync (issue 6)",
    "lamina.setTarget": "save-to-deploy sync (issue 6)",
    "lamina.startEmulator": "starting the emulator from the editor (issue 6)",
    "lamina.stopEmulator": "starting the emulator from the editor (issue 6)",
}


def _not_available(command: str, feature: str) -> Any:
    async def handler(ls: LaminaServer, *arguments: Any) -> None:
        ls.show(f"{command}: {feature} is not available yet")
        raise NotAvailableYet(command, feature)

    return handler


def register(server: LaminaServer) -> None:
    for command, feature in PENDING.items():
        server.command(command)(_not_available(command, feature))
