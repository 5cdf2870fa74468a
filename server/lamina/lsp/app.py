"""The composition root: the language server with every feature registered.

Each feature is a module with `register(server)`; the server class knows none of them. To add a
feature, add its module to FEATURES (order matters only where two features answer one request).
"""

from __future__ import annotations

from types import ModuleType

from lamina.lsp import (
    api_commands,
    code_actions,
    code_lenses,
    create_handler,
    debug_command,
    documents,
    durable_callbacks,
    durable_resume,
    durable_runs,
    lifecycle,
    project_commands,
    run_command,
    sync_commands,
)
from lamina.lsp.server import LaminaServer

FEATURES: tuple[ModuleType, ...] = (
    lifecycle,
    documents,
    code_lenses,
    code_actions,
    run_command,
    project_commands,
    create_handler,
    debug_command,
    sync_commands,
    api_commands,
    durable_runs,
    durable_callbacks,
    durable_resume,
)


def create_server() -> LaminaServer:
    server = LaminaServer()
    for feature in FEATURES:
        feature.register(server)
    return server
