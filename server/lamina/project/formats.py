"""Which project format a file is, and reading it: one reader per format, one function model.

In a project folder, the first found wins: a SAM template (template.yaml/.yml/.json), a CDK
cloud assembly (cdk.out/manifest.json), a Serverless Framework service (serverless.yml), a
Terraform configuration (*.tf). `--template` (or the `template` setting) may name any of them:
a file, or a folder holding one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from lamina.project.template import TemplateFunctions, find_template

CDK_OUT_DIR = "cdk.out"
CDK_MANIFEST = "manifest.json"


def find_project_file(folder: Path) -> Path | None:
    """The file that defines the folder's functions, in the order above, or None."""
    from lamina.project.serverless import find_serverless_file
    from lamina.project.terraform import find_terraform_file

    template = find_template(folder)
    if template is not None:
        return template
    for manifest in (folder / CDK_OUT_DIR / CDK_MANIFEST, folder / CDK_MANIFEST):
        if manifest.is_file():
            return manifest
    return find_serverless_file(folder) or find_terraform_file(folder)


def read_project_file(
    path: Path,
    *,
    stack_name: str | None = None,
    region: str | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
) -> TemplateFunctions:
    """Read `path` with the reader its name calls for. Raises ProjectError naming the file."""
    from lamina.project.serverless import SERVERLESS_FILE_NAMES, UNREAD_FILE_NAMES

    if path.name in (*SERVERLESS_FILE_NAMES, *UNREAD_FILE_NAMES):
        from lamina.project.serverless import read_serverless

        return read_serverless(path)
    if path.name == CDK_MANIFEST:
        from lamina.project.cdk import read_cloud_assembly

        return read_cloud_assembly(path.parent)
    if path.suffix in (".tf", ".tfvars"):
        from lamina.project.terraform import read_terraform

        return read_terraform(path.parent)
    from lamina.project.sam_project import read_sam_project

    return read_sam_project(
        path, stack_name=stack_name, region=region, parameter_overrides=parameter_overrides
    )
