"""Deployment packages: build a deterministic zip from a code dir.

The same source tree always gives the same bytes (sorted entries, fixed timestamps and
permissions), so its CodeSha256 only changes when the code does, and publishing an unchanged
function finds its existing version. Unpacking an uploaded one safely is zip_archive.unpack's job.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path

from lamina.zip_archive.limits import EXEC_MODE, FILE_MODE, PackageError

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
DEFAULT_EXCLUDES = frozenset(
    {"__pycache__", ".venv", "venv", "tests", ".git", ".lamina", ".mypy_cache", ".pytest_cache"}
)
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


def code_sha256(data: bytes) -> str:
    """Lambda's CodeSha256: the base64 of the SHA-256 of the zip's bytes."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def iter_code_files(code_dir: Path, excludes: Iterable[str] = DEFAULT_EXCLUDES) -> list[Path]:
    """The files a package of `code_dir` holds, sorted by their archive name."""
    skip = frozenset(excludes)
    found: list[Path] = []
    for root, dirs, files in os.walk(code_dir):
        dirs[:] = sorted(d for d in dirs if d not in skip)
        for name in files:
            if name in skip or name.endswith(_EXCLUDED_SUFFIXES):
                continue
            found.append(Path(root, name))
    found.sort(key=lambda p: p.relative_to(code_dir).as_posix())
    return found


# In an installed-dependencies dir only bytecode and pip's bookkeeping are left out: a package's
# own `tests` folder may well be imported.
DEPENDENCY_EXCLUDES = frozenset({"__pycache__", ".lamina-complete"})


def build_zip(
    code_dir: Path,
    excludes: Iterable[str] = DEFAULT_EXCLUDES,
    compression: int = zipfile.ZIP_DEFLATED,
    dependencies: Path | None = None,
    prefix: str = "",
) -> bytes:
    """A deterministic zip of `code_dir`: sorted entries, the 1980-01-01 timestamp, mode 644 (755
    for executables), no directory entries. `excludes` are file or folder names skipped anywhere.
    `dependencies` (a `pip install --target` dir) is bundled at the zip's root, as `sam build`
    does; a file of the code dir wins over one of the same name there. `prefix` puts it all in a
    folder of the zip (a SAM BuildMethod layer's python/)."""
    if not code_dir.is_dir():
        raise PackageError(f"{code_dir}: not a directory")
    entries: dict[str, Path] = {}
    if dependencies is not None:
        if not dependencies.is_dir():
            raise PackageError(f"{dependencies}: not a directory")
        for path in iter_code_files(dependencies, DEPENDENCY_EXCLUDES):
            entries[prefix + path.relative_to(dependencies).as_posix()] = path
    for path in iter_code_files(code_dir, excludes):
        entries[prefix + path.relative_to(code_dir).as_posix()] = path
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name in sorted(entries):
            path = entries[name]
            try:
                data = path.read_bytes()
                executable = bool(path.stat().st_mode & stat.S_IXUSR)
            except OSError as e:
                raise PackageError(f"{path}: cannot read: {e.strerror}") from None
            info = zipfile.ZipInfo(name, FIXED_DATE_TIME)
            info.create_system = 3  # unix, so external_attr carries the mode
            info.external_attr = (stat.S_IFREG | (EXEC_MODE if executable else FILE_MODE)) << 16
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()
