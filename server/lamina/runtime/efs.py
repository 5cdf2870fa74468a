"""EFS for local runs: each FileSystemConfigs LocalMountPath (/mnt/<name>) is a local folder.

The `efs` setting maps an access point ARN (or the LocalMountPath) to a folder; by default it is
`.lamina/state/efs/<access point id>/`, so two functions that mount one access point share files,
as on Lambda. The sandbox (runtime/sandbox.py) binds the folder at the mount path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from lamina.project.spec import FunctionSpec


def efs_mounts(
    spec: FunctionSpec, state_dir: Path, mapped: Mapping[str, object] | None = None
) -> tuple[tuple[str, Path], ...]:
    """(LocalMountPath, local folder) for each of the function's file systems; folders made."""
    mounts = []
    for mount in spec.file_systems:
        chosen = (mapped or {}).get(mount.arn) or (mapped or {}).get(mount.local_mount_path)
        folder = (
            Path(os.path.expanduser(str(chosen)))
            if chosen
            else state_dir / "efs" / mount.access_point
        )
        folder.mkdir(parents=True, exist_ok=True)
        mounts.append((mount.local_mount_path, folder.resolve()))
    return tuple(mounts)
