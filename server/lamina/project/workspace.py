"""Lamina's own files inside a workspace (.lamina/)."""

from __future__ import annotations

from pathlib import Path


def state_dir(root: Path) -> Path:
    """`.lamina/state/`: the emulator's data, the build cache and logs. Never committed."""
    lamina_dir = root / ".lamina"
    state = lamina_dir / "state"
    state.mkdir(parents=True, exist_ok=True)
    ignore = lamina_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("state/\n")
    return state


def cache_dir(root: Path) -> Path:
    return state_dir(root) / "cache"
