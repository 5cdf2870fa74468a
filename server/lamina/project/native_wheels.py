"""Native wheels in a function's code built for another machine than its `Architectures`.

Packages vendored into the code (pip --target, a copied site-packages) keep their wheel's
`*.dist-info/WHEEL`, whose `Tag:` lines name the platform (`manylinux2014_x86_64`). An x86_64
wheel imports on an x86_64 laptop but not on an arm64 Lambda (and the other way round): the
function works under Lamina and fails on Lambda with `Runtime.ImportModuleError`. Said once, at
load time, naming the packages. Only the code dir's top level is read (where pip --target puts
the .dist-info folders), so a large project pays a directory listing per arm64 function.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

# The function's Architectures value -> the machine names a wheel tag carries for it.
MACHINES = {"arm64": ("aarch64", "arm64"), "x86_64": ("x86_64", "amd64")}
ALL = tuple(name for names in MACHINES.values() for name in names)


def architecture(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]
    return "x86_64"


def foreign_wheels(code_dir: Path, arch: str) -> list[str]:
    """The vendored distributions whose wheels are for a machine other than `arch`."""
    wanted = MACHINES.get(arch)
    if wanted is None:
        return []
    found = []
    try:
        entries = [e for e in os.scandir(code_dir) if e.name.endswith(".dist-info")]
    except OSError:
        return []
    for entry in sorted(entries, key=lambda e: e.name):
        try:
            text = Path(entry.path, "WHEEL").read_text(errors="replace")
        except OSError:
            continue
        tags = [
            line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")
        ]
        platforms = {tag.rsplit("-", 1)[-1] for tag in tags}
        native = [p for p in platforms if any(p.endswith(machine) for machine in ALL)]
        if native and not any(p.endswith(wanted) for p in native):
            found.append(entry.name[: -len(".dist-info")].rsplit("-", 1)[0])
    return found


def foreign_wheel_warning(code_dir: Path, architectures: Any) -> str | None:
    """One line when the function's machine isn't this one's and its code has wheels for this
    one (where they are the same, such wheels fail here as on Lambda: nothing to say)."""
    arch = architecture(architectures)
    if platform.machine().lower() in MACHINES.get(arch, ()):
        return None
    packages = foreign_wheels(code_dir, arch)
    if not packages:
        return None
    other = "x86_64" if arch == "arm64" else "arm64"
    target = "manylinux2014_aarch64" if arch == "arm64" else "manylinux2014_x86_64"
    return (
        f"Architectures is {arch} but the code has {other} native wheels "
        f"({', '.join(packages)}): they run here but won't import on Lambda; install them with "
        f"`pip install --platform {target} --only-binary=:all: --target ...`"
    )
