"""Functions whose CodeUri (or Code) is a file rather than a folder.

A .zip file: SAM deploys the archive as it is, and `sam local invoke` runs it unpacked. Lamina
unpacks it once into its per-user cache, in a folder named by the archive's SHA-256 (a rebuilt
archive gets a new folder), and runs the function from there. The archive is unpacked as the
emulator unpacks an uploaded one (zip_archive.unpack): nothing may land outside the folder.

Any other file (`CodeUri: src/function.py`): `sam deploy` (and `aws cloudformation package`)
zips that one file alone, so on AWS it is the only file beside the handler. Lamina copies it
into a cache folder named by the file's path, refreshed each time the template is read.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from lamina.project.inline_code import lamina_cache_dir, write_replacing


def zip_code_dir(archive: Path) -> Path:
    """The folder holding `archive` unpacked (made on first use). Raises OSError, or
    zip_archive.limits.PackageError (a ValueError) for a file that is not a safe zip."""
    import hashlib

    from lamina.zip_archive.unpack import unpack_package

    data = archive.read_bytes()
    folder = lamina_cache_dir("zipped") / hashlib.sha256(data).hexdigest()[:20]
    if folder.is_dir():
        return folder
    staging = folder.with_name(f".tmp-{uuid.uuid4().hex}")
    try:
        unpack_package(data, staging)
        try:
            os.rename(staging, folder)
        except OSError:
            if not folder.is_dir():  # else another process unpacked the same bytes first
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def single_file_dir(source: Path) -> Path:
    """A folder holding a copy of `source` alone, current with it. Raises OSError."""
    import hashlib

    key = hashlib.sha256(str(source).encode("utf-8")).hexdigest()[:20]
    folder = lamina_cache_dir("single-file") / key
    target = folder / source.name
    data = source.read_bytes()
    if not target.is_file() or target.read_bytes() != data:
        write_replacing(target, data)
    return folder


def unpacked_code(path: Path, label: str, skip: Callable[[str], None]) -> Path | None:
    """The folder a CodeUri that is a file runs from (`label`: the template's text), else None
    after `skip` says why."""
    if path.suffix != ".zip":
        try:
            return single_file_dir(path)
        except OSError as error:
            skip(f"the code file {label} can't be copied to Lamina's cache: {error}")
            return None
    try:
        return zip_code_dir(path)
    except (OSError, ValueError) as error:
        skip(f"the code archive {label} can't be unpacked: {error}")
        return None
