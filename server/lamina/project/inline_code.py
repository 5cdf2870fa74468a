"""Functions whose code is in the template: SAM's `InlineCode` and CloudFormation's
`Code.ZipFile` (which the CDK's `Code.fromInline` writes).

CloudFormation puts that text in a file named `index` (index.py for Python) and zips it, so a
handler reads `index.handler`. Lamina does the same into a folder of its per-user cache named by
the text's hash, written once and never inside the project, and runs the function from there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

INLINE_FILE_NAME = "index.py"


def lamina_cache_dir(name: str) -> Path:
    """The folder `name` of Lamina's per-user cache (LAMINA_CACHE_DIR, else ~/.cache/lamina)."""
    explicit = os.environ.get("LAMINA_CACHE_DIR")
    if explicit:
        return Path(explicit) / name
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lamina" / name


def write_replacing(target: Path, data: bytes) -> None:
    """Write `target` whole or not at all (a temporary file, then a rename). Raises OSError."""
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, target)


def inline_code_dir(source: str) -> Path:
    """The folder holding `source` as index.py (created on first use). Raises OSError."""
    return inline_files_dir({INLINE_FILE_NAME: source})


def inline_files_dir(files: Mapping[str, str]) -> Path:
    """The folder holding `files` ({relative name: text}; created on first use, named by their
    hash). Raises OSError, or ValueError for a name that would leave the folder."""
    import hashlib  # here, not at import: most templates have no inline code

    digest = hashlib.sha256(repr(sorted(files.items())).encode("utf-8")).hexdigest()[:20]
    folder = lamina_cache_dir("inline") / digest
    for name, text in files.items():
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or ".." in parts:
            raise ValueError(f"{name!r} is not a name inside the code folder")
        target = folder.joinpath(*parts)
        if not target.is_file():
            write_replacing(target, text.encode("utf-8"))
    return folder
