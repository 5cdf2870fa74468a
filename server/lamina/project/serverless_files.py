"""Which files hold a Serverless Framework service: a module of its own, so finding a project
doesn't load the serverless.yml reader."""

from __future__ import annotations

from pathlib import Path

SERVERLESS_FILE_NAMES = ("serverless.yml", "serverless.yaml")
UNREAD_FILE_NAMES = ("serverless.ts", "serverless.js", "serverless.json", "serverless.cjs")


def find_serverless_file(folder: Path) -> Path | None:
    """serverless.yml, else serverless.yaml, else one of the code-defined configurations."""
    for name in (*SERVERLESS_FILE_NAMES, *UNREAD_FILE_NAMES):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
