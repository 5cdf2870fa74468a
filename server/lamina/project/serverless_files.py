"""Which files hold a Serverless Framework service: a module of its own, so finding a project
doesn't load the serverless.yml reader."""

from __future__ import annotations

from pathlib import Path

SERVERLESS_FILE_NAMES = ("serverless.yml", "serverless.yaml")
UNREAD_FILE_NAMES = ("serverless.ts", "serverless.js", "serverless.json", "serverless.cjs")
COMPOSE_FILE_NAMES = ("serverless-compose.yml", "serverless-compose.yaml")


def find_serverless_file(folder: Path) -> Path | None:
    """serverless.yml, else serverless.yaml, else one of the code-defined configurations, else
    serverless-compose.yml (several services)."""
    for name in (*SERVERLESS_FILE_NAMES, *UNREAD_FILE_NAMES, *COMPOSE_FILE_NAMES):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
