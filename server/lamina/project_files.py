"""The files that define a project's functions, by name: what the language server and
`lamina sync --watch` reload the project for when one changes."""

from __future__ import annotations

from pathlib import Path

PROJECT_FILES = (
    "template.yaml",
    "template.yml",
    "template.json",
    "pyproject.toml",
    "samconfig.toml",
    "samconfig.yaml",
    "samconfig.yml",
    "serverless.yml",
    "serverless.yaml",
)
PROJECT_SUFFIXES = (".tf", ".tfvars")  # Terraform: every file of the root folder counts


def is_project_file_name(path: Path) -> bool:
    """A file whose change may change the functions (wherever it is: templates nest)."""
    return (
        path.name in PROJECT_FILES
        or path.suffix in PROJECT_SUFFIXES
        or path.name.endswith((".tf.json", ".tfvars.json"))
        or (path.name == "manifest.json" and path.parent.name == "cdk.out")
    )
