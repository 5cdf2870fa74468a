"""The four lenses over one handler or function resource (`▶ Run` · `⚙ Debug` · `⇪ Sync` ·
`{ } Event: <name>`; no `⚙ Debug` on a custom runtime), as lsprotocol objects or straight as JSON text.

The JSON rendering exists for size: a 10,000-function template has 40,000 lenses, and building
and converting that many lsprotocol objects took seconds; the text takes a fraction of that.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii as json_string
from typing import Any, NamedTuple

from lsprotocol import types
from lsprotocol.converters import get_converter

from lamina.lsp.prebuilt_json import PrebuiltJson

_COMMANDS = ("lamina.run", "lamina.debug", "lamina.sync", "lamina.selectEvent")


class LensGroup(NamedTuple):
    line: int  # 0-based
    start: int
    end: int
    function: str  # a logical id or a `path:function` target
    label: str | None  # the event a run uses (None: no event)
    title: str  # added to `▶ Run`, where several functions share a handler
    # False on a custom runtime (`provided.*`): debugpy can't hold its bootstrap, no `⚙ Debug`.
    debuggable: bool = True
    # True where several functions share the handler: each lens names the function it acts on.
    named: bool = False

    def commands(self) -> list[tuple[str, str]]:
        """(title, command) of each lens of the group."""
        event = self.label if self.label is not None else "none"
        who = f" {self.function}" if self.named else ""
        titles = (
            f"▶ Run{self.title}",
            f"⚙ Debug{who}",
            f"⇪ Sync{who}",
            f"{{ }} Event{who}: {event}",
        )
        return [
            (title, command)
            for title, command in zip(titles, _COMMANDS, strict=True)
            if self.debuggable or command != "lamina.debug"
        ]


def lens_objects(groups: list[LensGroup]) -> list[types.CodeLens]:
    lenses: list[types.CodeLens] = []
    for group in groups:
        where = types.Range(
            start=types.Position(line=group.line, character=group.start),
            end=types.Position(line=group.line, character=group.end),
        )
        arguments: list[Any] = [{"function": group.function}]
        for title, command in group.commands():
            lenses.append(types.CodeLens(where, types.Command(title, command, arguments=arguments)))
    return lenses


def lens_json(groups: list[LensGroup], before: Sequence[types.CodeLens] = ()) -> PrebuiltJson:
    """The same lenses as `lens_objects`, as the JSON array pygls would have sent, after the
    lenses `before` (a few, from other features: converted the usual way)."""
    return joined_json(groups_json(groups), before)


def joined_json(fragment: str, before: Sequence[types.CodeLens] = ()) -> PrebuiltJson:
    """The array of the lenses `before` and those of a `groups_json` fragment."""
    parts = [json.dumps(lens) for lens in get_converter().unstructure(list(before))]
    if fragment:
        parts.append(fragment)
    return PrebuiltJson("[" + ",".join(parts) + "]")


def groups_json(groups: list[LensGroup]) -> str:
    """The groups' lenses as JSON objects joined by commas (no brackets), to cache and join."""
    parts: list[str] = []
    for group in groups:
        where = (
            f'"range":{{"start":{{"line":{group.line},"character":{group.start}}},'
            f'"end":{{"line":{group.line},"character":{group.end}}}}}'
        )
        arguments = f'[{{"function":{json_string(group.function)}}}]'
        for title, command in group.commands():
            parts.append(
                f'{{{where},"command":{{"title":{json_string(title)},'
                f'"command":"{command}","arguments":{arguments}}}}}'
            )
    return ",".join(parts)
