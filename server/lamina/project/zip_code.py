"""Functions whose CodeUri (or Code) is a .zip file rather than a folder.

SAM deploys such an archive as it is, and `sam local invoke` runs it unpacked. Lamina unpacks it
once into its per-user cache, in a folder named by the archive's SHA-256 (a rebuilt archive gets
a new folder), and runs the function from there. The archive is unpacked as the emulator
unpacks an uploaded one (deploy.package): nothing may land outside the folder.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from lamina.project.inline_code import lamina_cache_dir


def zip_code_dir(archive: Path) -> Path:
    """The folder holding `archive` unpacked (made on first use). Raises OSError, or
    deploy.package.PackageError (a ValueError) for a file that is not a safe zip."""
    import hashlib

    from lamina.deploy.package import unpack_package

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


def unpacked_code(archive: Path, label: str, skip: Callable[[str], None]) -> Path | None:
    """zip_code_dir(archive), else None after `skip` says why (`label`: the template's text)."""
    try:
        return zip_code_dir(archive)
    except (OSError, ValueError) as error:
        skip(f"the code archive {label} can't be unpacked: {error}")
        return None
