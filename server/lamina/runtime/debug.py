"""Debug environments: what they need to start, and the DAP attach configuration for editors.

A debug environment is an execution environment whose child runs debugpy on loopback before it
imports the function. It never freezes, is never reused and never joins the warm pool, and while a
client is attached its timeout is suspended (by default), so a paused handler is not killed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamina.runtime.package_set import cache_root

RUNTIME_DIR = Path(__file__).resolve().parent
LAUNCHER = RUNTIME_DIR / "debug_launcher.py"


@dataclass(frozen=True)
class DebugSettings:
    port: int = 0  # 0: any free port
    wait_for_client: bool = True
    suspend_timeout: bool = True

    @classmethod
    def from_settings(cls, get: Callable[[str], object], port: int | None = None) -> DebugSettings:
        """From Lamina's `debug.*` settings, read through `get` (the editor's validated values,
        or [tool.lamina]'s as text); `port` overrides `debug.port`."""

        def flag(key: str) -> bool:
            return str(get(key)).lower() not in ("false", "0")

        configured = get("debug.port")
        return cls(
            port=port if port is not None else int(str(configured or 0)),
            wait_for_client=flag("debug.waitForClient"),
            suspend_timeout=flag("debug.suspendTimeout"),
        )

    def child_environment(self) -> dict[str, str]:
        import debugpy

        return {
            "LAMINA_DEBUG_PORT": str(self.port),
            "LAMINA_DEBUG_WAIT": "1" if self.wait_for_client else "0",
            # The handler's interpreter needs nothing installed: it can use Lamina's debugpy.
            "LAMINA_DEBUGPY_PATH": str(Path(debugpy.__file__).resolve().parent.parent),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }


def attach_configuration(
    port: int,
    function: str,
    session_id: str,
    *,
    name: str | None = None,
    path_mappings: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The `lamina/debugReady` payload (DESIGN.md): a debugpy attach configuration that nvim-dap,
    LSP4IJ and VS Code's Python debugger all understand."""
    config: dict[str, Any] = {
        "name": name or f"Lamina: debug {function}",
        "type": "debugpy",
        "request": "attach",
        "connect": {"host": "127.0.0.1", "port": port},
        "justMyCode": True,
        "redirectOutput": True,
        # Lamina's own frames (launcher, bootstrap) are library code even in an editable
        # install, where justMyCode alone would count them as the user's; so are the runtime's
        # packages (awslambdaric, boto3), which live outside any site-packages folder.
        "rules": [
            {"path": str(RUNTIME_DIR) + os.sep + "*", "include": False},
            {"path": str(RUNTIME_DIR / "_lamina_runtime_client" / "*"), "include": False},
            {"path": str(cache_root() / "runtime" / "**" / "*"), "include": False},
        ],
        "lamina": {"function": function, "sessionId": session_id},
    }
    if path_mappings:
        config["pathMappings"] = path_mappings
    return config


def attach_hints(config: dict[str, Any]) -> list[str]:
    """One line per editor, for the CLI."""
    port = config["connect"]["port"]
    return [
        f"VS Code: a 'debugpy' attach configuration (launch.json) connecting to 127.0.0.1:{port}",
        f"nvim-dap: require('dap').run({{type='python', request='attach', connect={{host='127.0.0.1', port={port}}}}})",
        f"PyCharm (LSP4IJ): a DAP run configuration, debugpy adapter, attach to 127.0.0.1:{port}",
    ]
