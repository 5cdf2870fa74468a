"""Creating a handler from a menu, where nobody typed a name: the `source.lamina` code action
"Lamina: Create handler…" runs `lamina.createHandler {pick: true}`.

A client that answers window/showMessageRequest is offered one choice per kind, each under a
free name (NewFunction, NewHttpApiFunction, ...; NewFunction2 when NewFunction is taken). A
client that can't ask (as for Event, which then steps) gets a plain function under the first
free name, and a message saying which name it got and where, so the user can rename it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types

from lamina.lsp.file_changes import IGNORED_FOLDERS
from lamina.lsp.project_index import normalized
from lamina.lsp.server import LaminaServer

log = logging.getLogger(__name__)

CREATE_TITLE = "Create handler…"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def offered_in(path: Path, root: Path, template: Path) -> bool:
    """In the template new functions go to, and in the project's own Python files (not in a
    virtual environment's or a hidden folder's)."""
    if normalized(path) == normalized(template):
        return True
    if path.suffix != ".py":
        return False
    try:
        folders = Path(normalized(path)).relative_to(normalized(root)).parts[:-1]
    except ValueError:
        return False
    return not any(
        part.startswith(".") or part in IGNORED_FOLDERS or part == "site-packages"
        for part in folders
    )


async def pick_kind_and_name(
    ls: LaminaServer,
    kind: str | None,
    path: str | None,
    template: Path,
    template_text: str | None,
) -> tuple[str, str] | None:
    """(kind, name) for the new function; None when the user dismissed the question."""
    from lamina.project.scaffold import free_name, kind_names, resolve_kind

    root = ls.state.root

    def free_names() -> list[tuple[str, str]]:
        return [
            (each, free_name(root, each, path, template_text=template_text, template_path=template))
            for each in ([resolve_kind(kind)] if kind else kind_names())
        ]

    choices = await asyncio.to_thread(free_names)
    if ls.capability("window.show_message.message_action_item") is not None:
        by_title = {f"{name} ({each})": (each, name) for each, name in choices}
        try:
            picked = await ls.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=types.MessageType.Info,
                    message=(
                        f"Lamina: create a handler in {_relative(template, root)} "
                        "(rename it there afterwards as you like)"
                    ),
                    actions=[types.MessageActionItem(title=title) for title in by_title],
                )
            )
        except Exception as e:
            log.info("showMessageRequest failed (%s): creating %s", e, choices[0][1])
        else:
            return by_title.get(picked.title) if picked is not None else None
    return choices[0]


def created_message(
    root: Path, name: str, kind: str, template: Path, handler: Path, line: int
) -> str:
    """Which name the new function got and where, for the user to rename it."""
    return (
        f"Lamina: created {name} ({kind}) in {_relative(template, root)}, its handler in "
        f"{_relative(handler, root)}:{line}; rename it in {template.name} as you like"
    )
