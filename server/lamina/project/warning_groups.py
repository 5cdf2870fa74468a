"""Load-time warnings said once: the same message about several places is one line.

A template's functions often share a placeholder (`!Ref TableName` with no Default, a role
`!GetAtt`): one warning per function per command buries the rest. `where: message` lines with
the same message become `message (in where1, where2 and N more)`; a message said about one
place keeps its `where: message` form, and so does each function's `skipped: why`.
"""

from __future__ import annotations

SHOWN = 3  # places named before "and N more"


def grouped(warnings: list[str]) -> list[str]:
    places: dict[str, list[str]] = {}
    order: list[str] = []
    for warning in warnings:
        where, sep, message = warning.partition(": ")
        if not sep or " " in where or message.startswith("skipped: "):  # kept as it is
            key = "\0" + warning
            places.setdefault(key, [])
        else:
            key = message
            places.setdefault(key, []).append(where)
        if key not in order:
            order.append(key)
    lines = []
    for key in order:
        wheres = places[key]
        if key.startswith("\0"):
            lines.append(key[1:])
        elif len(wheres) == 1:
            lines.append(f"{wheres[0]}: {key}")
        else:
            named = ", ".join(wheres[:SHOWN])
            more = f" and {len(wheres) - SHOWN} more" if len(wheres) > SHOWN else ""
            lines.append(f"{key} (in {named}{more})")
    return lines
