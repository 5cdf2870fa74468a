"""Which project format a file is, and reading it: one reader per format, one function model.

In a project folder, the first found wins: a SAM template (template.yaml/.yml/.json), a CDK
cloud assembly (cdk.out/manifest.json), a Serverless Framework service (serverless.yml), a
Terraform configuration (*.tf). `--template` (or the `template` setting) may name any of them:
a file, or a folder holding one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from lamina.project.template import TemplateFunctions, find_template

CDK_OUT_DIR = "cdk.out"
CDK_MANIFEST = "manifest.json"


def find_project_file(folder: Path) -> Path | None:
    """The file that defines the folder's functions, in the order above, or None."""
    template = find_template(folder)
    if template is not None:
        return template
    for manifest in (folder / CDK_OUT_DIR / CDK_MANIFEST, folder / CDK_MANIFEST):
        if manifest.is_file():
            return manifest
    from lamina.project.serverless_files import find_serverless_file

    serverless = find_serverless_file(folder)
    if serverless is not None:
        return serverless
    # Imported only when needed: a SAM, CDK or Serverless project never loads this reader.
    from lamina.project.terraform import find_terraform_file

    return find_terraform_file(folder)


def read_project_file(
    path: Path,
    *,
    stack_name: str | None = None,
    region: str | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
    var_files: Sequence[Path] = (),
) -> TemplateFunctions:
    """Read `path` with the reader its name calls for. Raises ProjectError naming the file."""
    from lamina.project.serverless_files import (
        COMPOSE_FILE_NAMES,
        SERVERLESS_FILE_NAMES,
        UNREAD_FILE_NAMES,
    )

    if path.name in COMPOSE_FILE_NAMES:
        from lamina.project.serverless_compose import read_compose

        return read_compose(path, options=parameter_overrides)
    if path.name in (*SERVERLESS_FILE_NAMES, *UNREAD_FILE_NAMES):
        from lamina.project.serverless import read_serverless

        return read_serverless(path, options=parameter_overrides)
    if path.name == CDK_MANIFEST:
        from lamina.project.cdk import read_cloud_assembly

        return read_cloud_assembly(path.parent)
    if path.suffix in (".tf", ".tfvars") or path.name.endswith((".tf.json", ".tfvars.json")):
        from lamina.project.terraform import read_terraform

        return read_terraform(path.parent, variables=parameter_overrides, var_files=var_files)
    from lamina.project.sam_project import read_sam_project

    return read_sam_project(
        path, stack_name=stack_name, region=region, parameter_overrides=parameter_overrides
    )


_VCS_MARKERS = (".git", ".hg", ".svn")
_MAX_LEVELS_UP = 8


def _holds_project(folder: Path) -> bool:
    from lamina.project.samconfig import find_samconfig

    if find_project_file(folder) is not None or find_samconfig(folder) is not None:
        return True
    pyproject = folder / "pyproject.toml"
    try:
        return pyproject.is_file() and "[tool.lamina" in pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def find_project_root(start: Path) -> Path:
    """`start`, or the nearest folder above it that holds a project, for an editor that opened
    a subfolder (eglot roots a folder without version control at the open file's folder).

    The search stops at a version-control root, at the home folder, and before a folder right
    under the filesystem's root (/tmp, /home): a project is never taken from outside the
    user's own tree."""
    home = Path.home()
    folder = start
    for _ in range(_MAX_LEVELS_UP):
        if _holds_project(folder):
            return folder
        parent = folder.parent
        if len(parent.parts) <= 2 or folder == home:
            break
        if any((folder / marker).exists() for marker in _VCS_MARKERS):
            break
        folder = parent
    return start
