"""The workspace's project model, loaded once and again when its files change.

Loading reads the template (and pyproject.toml) in a worker thread. Lenses and commands ask
for the current model; while a reload runs they wait for it. A template that doesn't load
leaves the last good model for lenses, and its error for commands and diagnostics.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lamina.project.spec import FunctionSpec, ProjectError

if TYPE_CHECKING:
    from lamina.project.loader import Project
    from lamina.project.project_options import ProjectOptions

log = logging.getLogger(__name__)
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


def normalized(path: Path | str) -> str:
    return os.path.normcase(os.path.abspath(path))


@dataclass
class LoadedProject:
    """A project and lookups the editor features need often."""

    project: Project
    by_handler_file: dict[str, list[FunctionSpec]] = field(default_factory=dict)
    code_dirs: list[tuple[str, FunctionSpec]] = field(default_factory=list)

    @classmethod
    def index(cls, project: Project) -> LoadedProject:
        loaded = cls(project)
        for spec in project.functions.values():
            loaded.by_handler_file.setdefault(normalized(spec.handler_path), []).append(spec)
            loaded.code_dirs.append((normalized(spec.code_dir), spec))
        return loaded

    def specs_for_file(self, path: Path) -> list[FunctionSpec]:
        return self.by_handler_file.get(normalized(path), [])

    def specs_using(self, path: Path) -> list[FunctionSpec]:
        """Functions whose code folder holds `path` (their code changes when it changes)."""
        target = normalized(path)
        return [
            spec
            for folder, spec in self.code_dirs
            if target == folder or target.startswith(folder.rstrip(os.sep) + os.sep)
        ]


class ProjectIndex:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.options: ProjectOptions | None = None  # the `template` setting, once given
        self._loaded: LoadedProject | None = None
        self._error: ProjectError | None = None
        self._loading: asyncio.Task[None] | None = None
        self._generation = 0
        self.loads = 0  # loads started, for the log and tests

    @property
    def started(self) -> bool:
        """Whether a load was ever asked for (before that, settings may still change options)."""
        return self._loading is not None

    @property
    def last_good(self) -> LoadedProject | None:
        return self._loaded

    @property
    def error(self) -> ProjectError | None:
        return self._error

    def reload(self) -> None:
        """Load afresh. A load under way isn't doubled: it loads again when it ends (its result
        is moot), so a burst of saves costs at most two loads, not one thread per save."""
        self._generation += 1
        if self._loading is None or self._loading.done():
            self._loading = asyncio.ensure_future(self._load())

    async def _load(self) -> None:
        from lamina.project.loader import load_project

        while True:
            generation = self._generation
            self.loads += 1
            try:
                project = await asyncio.to_thread(load_project, self.root, options=self.options)
            except ProjectError as e:
                if generation == self._generation:
                    self._error = e
                    log.warning("%s", e)
                    return
                continue
            except Exception as e:  # a bug must not leave every command waiting
                if generation == self._generation:
                    self._error = ProjectError(f"cannot load the project: {e}")
                    log.exception("loading the project failed")
                    return
                continue
            if generation == self._generation:
                self._loaded = LoadedProject.index(project)
                self._error = None
                for warning in project.warnings:
                    log.info("warning: %s", warning)
                return

    async def current(self) -> LoadedProject | None:
        """The model once the latest load is done (None if it never loaded)."""
        if self._loading is None:
            self.reload()
        while self._loading is not None and not self._loading.done():
            await asyncio.shield(self._loading)
        return self._loaded

    async def project(self) -> Project:
        """The current project for a command. Raises ProjectError when it doesn't load."""
        loaded = await self.current()
        if self._error is not None:
            raise self._error
        if loaded is None:  # pragma: no cover - a load always sets one or the other
            raise ProjectError(f"cannot load the project in {self.root}")
        return loaded.project

    def set_template(self, template: Path | None) -> bool:
        """Read the project from `template` (None: the usual search); True when that changed."""
        from lamina.project.project_options import ProjectOptions

        if template == (self.options.template if self.options else None):
            return False
        self.options = ProjectOptions(template=template)
        return True

    def is_project_file(self, path: Path) -> bool:
        """A file that defines the project's functions: one at the root, or one the current
        model was read from (a template elsewhere, a nested one, samconfig)."""
        if is_project_file_name(path) and normalized(path.parent) == normalized(self.root):
            return True
        loaded = self._loaded
        if loaded is None:
            return False
        project = loaded.project
        sources = [project.template_path, project.samconfig_path]
        sources += [spec.source_path for spec in project.functions.values()]
        target = normalized(path)
        return any(source is not None and normalized(source) == target for source in sources)
