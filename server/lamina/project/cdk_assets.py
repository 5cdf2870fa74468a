"""Find the source folder a CDK asset (cdk.out/asset.<hash>/) was copied from.

`cdk synth` copies a function's code folder into cdk.out (and a bundled asset also holds the
dependencies pip installed). Running that copy would put breakpoints and edits on files the
next synth overwrites, so Lamina runs the user's own folder: among the app's folders that hold
the handler's module at the same relative path, the one sharing most of the asset's own `.py`
files (by path, then by content) wins. Installed packages in the asset (the names in its
`*.dist-info` records) are left out of the comparison.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Folders that hold no user source: build output, environments, caches, VCS.
SKIPPED_DIRS = frozenset(
    {
        "cdk.out",
        "node_modules",
        "__pycache__",
        "site-packages",
        ".aws-sam",
        ".lamina",
        "venv",
        "env",
        "build",
        "dist",
    }
)


def _python_files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        dirs[:] = [d for d in dirs if not d.endswith((".dist-info", ".egg-info"))]
        for name in files:
            if name.endswith(".py"):
                yield Path(folder) / name


@dataclass
class SourceIndex:
    """The app's .py files (as posix path strings: 200 functions make 40,000 comparisons, too
    many for Path objects), read at most once each, for all of an assembly's functions."""

    root: Path
    by_name: dict[str, list[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    newest: tuple[float, Path | None] = (0.0, None)
    _digests: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, root: Path) -> SourceIndex:
        index = cls(root)
        for path in _python_files(root):
            text = path.as_posix()
            index.files.add(text)
            index.by_name.setdefault(path.name, []).append(text)
            try:
                modified = path.stat().st_mtime
            except OSError:
                continue
            if modified > index.newest[0]:
                index.newest = (modified, path)
        return index

    def digest(self, path: str) -> str:
        if path not in self._digests:
            self._digests[path] = _digest(Path(path))
        return self._digests[path]

    def source_folder(self, asset: Path, module_path: str) -> Path | None:
        """The folder `asset` was copied from, for a handler module at `module_path` (like
        `orders/app.py`), or None when no folder of the app holds it.

        Among the folders that hold the handler's module, the one holding most of the asset's
        own files at the same relative paths wins; ties go to the most files with the same
        content, then to the shallowest folder."""
        handler = "/" + module_path
        own = [f.as_posix() for f in _own_python_files(asset)]
        # Votes from the asset's other files first: their names are often distinctive, so this
        # stays linear in the app's size where scoring every folder with an app.py would not.
        votes: dict[str, int] = {}
        for relative in own:
            if "/" + relative == handler:
                continue
            for candidate in self.by_name.get(relative.rsplit("/", 1)[-1], []):
                if candidate.endswith("/" + relative):
                    folder = candidate[: -len(relative) - 1]
                    if folder + handler in self.files:
                        votes[folder] = votes.get(folder, 0) + 1
        if votes:
            top = max(votes.values())
            tied = [folder for folder, count in votes.items() if count == top]
        else:
            holders = self.by_name.get(module_path.rsplit("/", 1)[-1], [])
            tied = [c[: -len(handler)] for c in holders if c.endswith(handler)]
        if not tied:
            return None
        if len(tied) > 1:
            mine = {f: _digest(asset / f) for f in own}

            def same_content(folder: str) -> int:
                return sum(
                    self.digest(f"{folder}/{f}") == mine[f]
                    for f in own
                    if f"{folder}/{f}" in self.files
                )

            tied.sort(key=lambda folder: (-same_content(folder), folder.count("/")))
        return Path(tied[0])


def _installed_names(asset: Path) -> set[str]:
    """Top-level names pip installed into a bundled asset (from the dist-info records)."""
    names: set[str] = set()
    for info in asset.glob("*.dist-info"):
        names.add(info.name)
        record = info / "RECORD"
        try:
            lines = record.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            first = line.split(",", 1)[0].split("/", 1)[0]
            if first:
                names.add(first)
    return names


def _own_python_files(asset: Path) -> list[Path]:
    installed = _installed_names(asset)
    own: list[Path] = []
    for path in _python_files(asset):
        relative = path.relative_to(asset)
        if relative.parts[0] not in installed:
            own.append(relative)
    return own


def _digest(path: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
