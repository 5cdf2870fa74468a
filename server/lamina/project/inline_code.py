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


def _cache_dir() -> Path:
    explicit = os.environ.get("LAMINA_CACHE_DIR")
    if explicit:
        return Path(explicit) / "inline"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lamina" / "inline"


def inline_code_dir(source: str) -> Path:
    """The folder holding `source` as index.py (created on first use). Raises OSError."""
    return inline_files_dir({INLINE_FILE_NAME: source})


def inline_files_dir(files: Mapping[str, str]) -> Path:
    """The folder holding `files` ({relative name: text}; created on first use, named by their
    hash). Raises OSError, or ValueError for a name that would leave the folder."""
    import hashlib  # here, not at import: most templates have no inline code
    import tempfile

    digest = hashlib.sha256(repr(sorted(files.items())).encode("utf-8")).hexdigest()[:20]
    folder = _cache_dir() / digest
    for name, text in files.items():
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or ".." in parts:
            raise ValueError(f"{name!r} is not a name inside the code folder")
        target = folder.joinpath(*parts)
        if target.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    return folder
