"""Files a function finds under /opt: its layers' external extensions and exec wrappers.

Lambda unpacks a function's layers into one /opt, a later layer's file replacing an earlier
one's; Lamina's merged view of them (runtime/opt_dir.py) is the root these functions get
(FunctionConfig.opt_roots). A path under /opt is looked up in the roots, the last first, and
`/var/task/...` in the code dir, so that `AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap` and
`/opt/extensions/<name>` work with or without the sandbox's /opt.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EXEC_WRAPPER = "AWS_LAMBDA_EXEC_WRAPPER"
TASK_ROOT = "/var/task"


@dataclass(frozen=True)
class ExternalExtension:
    """An executable in /opt/extensions: Lambda starts each before the runtime's init."""

    name: str  # its file name: the name it must register with
    path: Path  # where it is on this machine


def external_extensions(roots: Sequence[Path]) -> tuple[ExternalExtension, ...]:
    """The executables in the layers' `extensions/` folders, merged as in /opt (the last layer's
    file of a name wins), in name order. Hidden files and non-executables are not started, as
    Lambda skips them."""
    found: dict[str, Path] = {}
    for root in roots:
        folder = root / "extensions"
        if not folder.is_dir():
            continue
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_file():
                continue
            if os.access(entry.path, os.X_OK):
                found[entry.name] = Path(entry.path)
            else:
                found.pop(entry.name, None)
    return tuple(ExternalExtension(name, found[name]) for name in sorted(found))


def resolve(path: str, roots: Sequence[Path], code_dir: Path) -> str:
    """Where a Lambda path (`/opt/...`, `/var/task/...`) is on this machine; other paths as
    they are. A path under /opt that no layer has stays as it is (and then doesn't exist, as on
    Lambda)."""
    if path.startswith("/opt/"):
        inside = path[len("/opt/") :]
        for root in reversed(roots):
            candidate = root / inside
            if candidate.exists():
                return str(candidate)
    elif path == TASK_ROOT or path.startswith(TASK_ROOT + "/"):
        return str(code_dir / path[len(TASK_ROOT) :].lstrip("/"))
    return path


def sandbox_hosts(folder: Path) -> Path:
    """A copy of /etc/hosts that also names `sandbox.localdomain` (the host AWS's telemetry
    examples listen on), for the sandbox to bind over /etc/hosts."""
    try:
        text = Path("/etc/hosts").read_text()
    except OSError:
        text = "127.0.0.1 localhost\n"
    path = folder / "hosts"
    path.write_text(text.rstrip("\n") + "\n127.0.0.1 sandbox.localdomain sandbox\n")
    return path
