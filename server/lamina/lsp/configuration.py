"""The `lamina` settings: pulled with workspace/configuration, with initializationOptions (or the
settings a didChangeConfiguration pushed) as the fallback, over pyproject's [tool.lamina].
Re-read on didChangeConfiguration. Bad values are shown to the user, then replaced by defaults.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from lamina.lsp.settings import unknown_keys, validate_settings

if TYPE_CHECKING:
    from lamina.lsp.server import LaminaServer

log = logging.getLogger(__name__)
SECTION = "lamina"


def lamina_section(settings: Any) -> Mapping[str, Any] | None:
    """`{"lamina": {...}}` or the section itself, as clients send either."""
    if not isinstance(settings, Mapping):
        return None
    inner = settings.get(SECTION)
    if isinstance(inner, Mapping):
        return inner
    return settings if settings else None


async def _pulled(ls: LaminaServer) -> Mapping[str, Any] | None:
    if not ls.capability("workspace.configuration"):
        return None
    scope = from_fs_path(str(ls.root)) if ls.root else None
    try:
        result = await ls.workspace_configuration_async(
            types.ConfigurationParams(
                items=[types.ConfigurationItem(section=SECTION, scope_uri=scope)]
            )
        )
    except Exception as e:
        log.info("workspace/configuration failed: %s", e)
        return None
    first = result[0] if result else None
    return first if isinstance(first, Mapping) and first else None


async def _project_settings(ls: LaminaServer) -> Mapping[str, Any]:
    from lamina.project.pyproject import read_lamina_settings
    from lamina.project.spec import ProjectError

    if ls.root is None:
        return {}
    try:
        return await asyncio.to_thread(read_lamina_settings, ls.root)
    except ProjectError:
        return {}  # the project's own diagnostics report it


async def refresh_settings(ls: LaminaServer) -> None:
    raw = await _pulled(ls)
    if raw is None:
        raw = lamina_section(ls.pushed_settings) or lamina_section(ls.initialization_options)
    settings, problems = validate_settings(raw, ls.root, await _project_settings(ls))
    unknown = unknown_keys(raw)
    if unknown:
        log.info("unknown settings ignored: %s", ", ".join(f"lamina.{k}" for k in unknown))
    if problems and tuple(problems) != ls.setting_problems:
        ls.show("Lamina settings: " + "; ".join(problems), types.MessageType.Warning)
    ls.setting_problems = tuple(problems)
    changed_default_event = settings.get("defaultEvent") != ls.settings.get("defaultEvent")
    ls.settings = settings
    template = settings.text("template")
    chosen = ls.root / template if template and ls.root is not None else None
    names = settings.get("terraform.varFiles")  # relative to the workspace, as `template`
    var_files = tuple(ls.root / name for name in names) if ls.root is not None else ()
    if ls.state.index.set_options(chosen, var_files) and ls.state.index.started:
        ls.state.index.reload()
        changed_default_event = True  # the lenses follow the new model
    if ls.initialized:
        await ls.state.runner.configure(settings)
        ls.state.sync.settings_changed(settings)
        if changed_default_event:
            from lamina.lsp.code_lenses import refresh_lenses

            refresh_lenses(ls)


async def register_for_changes(ls: LaminaServer) -> None:
    """Clients that register didChangeConfiguration dynamically (VS Code) send it only then."""
    if not ls.capability("workspace.did_change_configuration.dynamic_registration"):
        return
    registration = types.Registration(
        id="lamina-configuration",
        method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
        register_options=types.DidChangeConfigurationRegistrationOptions(section=SECTION),
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(registrations=[registration])
        )
    except Exception as e:
        log.info("cannot register for configuration changes: %s", e)
