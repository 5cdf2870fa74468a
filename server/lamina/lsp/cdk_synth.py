"""The offer to run `cdk synth` when a CDK app's cloud assembly is older than its sources.

Lamina reads cdk.out and never synthesizes it by itself: once the project has loaded, a client
that can answer window/showMessageRequest is asked ("Run cdk synth" / "Not now"), once per
assembly; only the answer runs `cdk synth` (in the app's folder, with progress and its last
output lines on failure), after which the project reloads. Clients that can't answer get the
warning as a message.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

from lsprotocol import types

from lamina.lsp.server import LaminaServer

log = logging.getLogger(__name__)
RUN = "Run cdk synth"
NOT_NOW = "Not now"
_asked: set[str] = set()  # assemblies already offered in this session


async def offer_synth(ls: LaminaServer) -> None:
    """Offer `cdk synth` when the loaded project is a stale CDK assembly."""
    from lamina.project.cdk import stale_assembly_warning

    loaded = ls.state.index.last_good
    manifest = loaded.project.template_path if loaded else None
    if loaded is None or manifest is None or manifest.parent.name != "cdk.out":
        return
    warning = stale_assembly_warning(loaded.project.warnings)
    if warning is None or str(manifest) in _asked:
        return
    _asked.add(str(manifest))
    if ls.capability("window.show_message.message_action_item") is None:
        ls.show(f"Lamina: {warning}", types.MessageType.Warning)
        return
    try:
        answer = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Warning,
                message=f"Lamina: {warning}",
                actions=[
                    types.MessageActionItem(title=RUN),
                    types.MessageActionItem(title=NOT_NOW),
                ],
            )
        )
    except Exception as e:
        log.info("showMessageRequest failed: %s", e)
        return
    if answer is not None and answer.title == RUN:
        await run_synth(ls, manifest.parent.parent)


async def run_synth(ls: LaminaServer, app_dir: Path) -> None:
    cdk = shutil.which("cdk")
    if cdk is None:
        ls.show("Lamina: `cdk` is not on PATH (npm install -g aws-cdk)", types.MessageType.Error)
        return
    process = await asyncio.create_subprocess_exec(
        cdk,
        "synth",
        "--quiet",
        cwd=str(app_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        tail = " | ".join(output.decode(errors="replace").strip().splitlines()[-3:])
        ls.show(f"Lamina: cdk synth failed ({process.returncode}): {tail}", types.MessageType.Error)
        return
    ls.show("Lamina: cdk synth done; the project is reloaded", types.MessageType.Info)
    ls.state.index.reload()
    await ls.state.index.current()
    from lamina.lsp.code_lenses import refresh_lenses

    refresh_lenses(ls)
