"""The project: every function Lamina knows in a folder, from its template and pyproject.toml."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.project.events import event_owners, events_for
from lamina.project.formats import read_project_file
from lamina.project.load_cancel import checkpoint
from lamina.project.project_options import ProjectOptions, SamSettings, sam_settings
from lamina.project.pyproject import (
    PYPROJECT_FILE_NAME,
    functions_from_table,
    lamina_table,
    load_pyproject,
    settings_from_table,
)
from lamina.project.spec import FunctionSpec, ProjectError
from lamina.project.target import parse_target, split_target


@dataclass
class Project:
    """A project folder: its functions by logical id, what was odd about them, and settings."""

    root: Path
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    settings: dict[str, object] = field(default_factory=dict)
    template_path: Path | None = None
    pyproject_path: Path | None = None
    samconfig_path: Path | None = None
    options: ProjectOptions = field(default_factory=ProjectOptions)  # to reload it the same way
    # Where `lamina api` listens unless told (serverless.yml's custom.serverless-offline).
    api_host: str | None = None
    api_port: int | None = None

    def find(self, name: str, cwd: Path | None = None) -> FunctionSpec:
        """The function meant by a logical id, a function name, or a `file.py[:function]` target.

        A target naming the handler of a known function yields that function (with its template
        settings); any other target yields a new spec, with events. Relative target paths are
        tried against `cwd` (default: the current directory), then the project root.
        """
        if name in self.functions:
            return self.functions[name]
        for spec in self.functions.values():
            if spec.function_name == name:
                return spec
        if split_target(name) is not None:
            return self._find_target(name, [cwd or Path.cwd(), self.root])
        for warning in self.warnings:
            if warning.startswith(f"{name}: skipped: "):
                raise ProjectError(f"function '{name}' is {warning[len(name) + 2 :]}")
        if self.functions:
            known = _known_names(name, self.functions)
        else:
            known = "this project defines no functions; use path/to/file.py:function"
        raise ProjectError(f"unknown function '{name}' ({known})")

    def _find_target(self, target: str, bases: Sequence[Path]) -> FunctionSpec:
        spec = parse_target(target, bases)
        for known in self.functions.values():
            same_file = spec.source_path is not None and _same_file(
                known.handler_path, spec.source_path
            )
            if known.function == spec.function and same_file:
                return known
        spec.events = events_for(spec, self.root)
        return spec

    def by_source_file(self, path: Path) -> list[FunctionSpec]:
        """The functions whose handler is defined in `path` (for an editor's open file)."""
        return [spec for spec in self.functions.values() if _same_file(spec.handler_path, path)]


def _same_file(first: Path, second: Path) -> bool:
    def normalized(path: Path) -> str:
        return os.path.normcase(os.path.abspath(path))

    return normalized(first) == normalized(second)


def _stack_name(settings: Mapping[str, object]) -> str | None:
    sync = settings.get("sync")
    if isinstance(sync, Mapping):
        name = sync.get("stackName")
        if isinstance(name, str) and name:
            return name
    return None


def load_project(
    root: Path,
    *,
    stack_name: str | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
    options: ProjectOptions | None = None,
) -> Project:
    """Load the project in `root`. Raises ProjectError when its template or pyproject is broken.

    Functions come from the SAM template (see project_options for which one, and samconfig),
    with its local nested templates, then `[tool.lamina.functions]` (a name in both: the
    template wins, with a warning). AWS::StackName is `stack_name`, else the `sync.stackName`
    setting, else samconfig's stack_name, else "lamina-local". A folder with neither file is a
    project with no functions.
    """
    root = Path(os.path.abspath(root))
    options = options or ProjectOptions()
    if parameter_overrides:
        overrides = {**options.parameter_overrides, **parameter_overrides}
        options = options.replace(parameter_overrides=overrides)
    project = Project(root=root, options=options)

    lamina: dict[str, Any] = {}
    pyproject_path = root / PYPROJECT_FILE_NAME
    if pyproject_path.is_file():
        project.pyproject_path = pyproject_path
        lamina = lamina_table(load_pyproject(pyproject_path), pyproject_path)
        project.settings = settings_from_table(lamina)

    sam: SamSettings = sam_settings(root, options, project.settings)
    project.samconfig_path = sam.samconfig_path
    project.settings = sam.settings
    template_path = sam.template_path
    if template_path is not None:
        from_template = read_project_file(
            template_path,
            stack_name=stack_name or _stack_name(project.settings),
            region=sam.region,
            parameter_overrides=sam.parameter_overrides,
            var_files=options.var_files,
        )
        project.template_path = from_template.path
        project.warnings.extend(from_template.warnings)
        project.api_host, project.api_port = from_template.api_host, from_template.api_port
        for spec in from_template.functions:
            project.functions[spec.logical_id] = spec

    if lamina.get("functions"):
        from_pyproject = functions_from_table(lamina, pyproject_path)
        project.warnings.extend(from_pyproject.warnings)
        for spec in from_pyproject.functions:
            if spec.logical_id in project.functions:
                project.warnings.append(
                    f"[tool.lamina.functions.{spec.logical_id}]: {spec.logical_id} is also in "
                    f"{template_path.name if template_path else 'the template'}; "
                    "the template's definition is used"
                )
                continue
            project.functions[spec.logical_id] = spec

    owners = event_owners(project.functions) if len(project.functions) > 1 else None
    for spec in project.functions.values():
        checkpoint()
        spec.events = events_for(spec, root, owners)
    return project


MAX_LISTED = 8  # functions named in full in an unknown-function message


def _known_names(name: str, functions: Mapping[str, FunctionSpec]) -> str:
    """What to say after an unknown name: the functions whose handler it is, else the close
    names, and the known ones (all of them in a small project)."""
    import difflib

    by_handler = [logical for logical, spec in functions.items() if spec.handler == name]
    if by_handler:
        return f"it is the handler of {', '.join(by_handler)}: name the function"
    names = list(functions)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    if len(names) <= MAX_LISTED:
        return f"{hint}known: {', '.join(names)}"
    return f"{hint}{len(names)} functions: `lamina functions` lists them"
