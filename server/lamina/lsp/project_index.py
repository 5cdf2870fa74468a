"""The workspace's project model, loaded once and again when its files change.

Loading reads the template (and pyproject.toml) in a worker thread. Lenses and commands ask
for the current model; while a reload runs they wait for it. A template that doesn't load
leaves the last good model for lenses, and its error for commands and diagnostics.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lamina.project.load_cancel import LoadSuperseded, checkpoint, stop_when
from lamina.project.spec import FunctionSpec, ProjectError
from lamina.project_files import is_project_file_name

if TYPE_CHECKING:
    from lamina.project.loader import Project
    from lamina.project.project_options import ProjectOptions

log = logging.getLogger(__name__)


def normalized(path: Path | str) -> str:
    return os.path.normcase(os.path.abspath(path))


@dataclass
class LoadedProject:
    """A project and lookups the editor features need often."""

    project: Project
    by_handler_file: dict[str, list[FunctionSpec]] = field(default_factory=dict)
    code_dirs: list[tuple[str, FunctionSpec]] = field(default_factory=list)
    by_source_file: dict[str, list[FunctionSpec]] = field(default_factory=dict)
    source_files: set[str] = field(default_factory=set)  # every file the model was read from
    # A zipped CodeUri's handler module beside the archive (src/app.py for src/app.zip): the
    # source it was likely built from, which Run does not run.
    by_archive_source: dict[str, list[FunctionSpec]] = field(default_factory=dict)

    @classmethod
    def index(cls, project: Project) -> LoadedProject:
        """Built in the loading thread: on 10,000 functions, the paths take a while."""
        loaded = cls(project)
        for spec in project.functions.values():
            checkpoint()
            loaded.by_handler_file.setdefault(normalized(spec.handler_path), []).append(spec)
            loaded.code_dirs.append((normalized(spec.code_dir), spec))
            if spec.code_archive is not None:
                source = spec.code_archive.parent / spec.handler_path.relative_to(spec.code_dir)
                loaded.by_archive_source.setdefault(normalized(source), []).append(spec)
            if spec.source_path is not None:
                loaded.by_source_file.setdefault(normalized(spec.source_path), []).append(spec)
        sources = [project.template_path, project.samconfig_path, *map(Path, loaded.by_source_file)]
        loaded.source_files = {normalized(source) for source in sources if source is not None}
        return loaded

    def specs_for_file(self, path: Path) -> list[FunctionSpec]:
        return self.by_handler_file.get(normalized(path), [])

    def specs_from_archive(self, path: Path) -> list[FunctionSpec]:
        """Functions run from a .zip whose handler module sits unzipped at `path`."""
        return self.by_archive_source.get(normalized(path), [])

    def specs_defined_in(self, path: Path) -> list[FunctionSpec]:
        """Functions whose definition was read from `path` (a template, pyproject.toml, ...)."""
        return self.by_source_file.get(normalized(path), [])

    def specs_using(self, path: Path) -> list[FunctionSpec]:
        """Functions whose code folder holds `path` (their code changes when it changes)."""
        target = normalized(path)
        return [
            spec
            for folder, spec in self.code_dirs
            if target == folder or target.startswith(folder.rstrip(os.sep) + os.sep)
        ]


def _load_indexed(
    root: Path, options: ProjectOptions | None, superseded: Callable[[], bool]
) -> LoadedProject:
    """Load and index the project (in a worker thread); LoadSuperseded once `superseded()`."""
    from lamina.project.loader import load_project

    with stop_when(superseded):
        return LoadedProject.index(load_project(root, options=options))


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
    def loading(self) -> bool:
        """Whether a load is under way (a lens request may answer before it ends)."""
        return self._loading is not None and not self._loading.done()

    @property
    def last_good(self) -> LoadedProject | None:
        return self._loaded

    @property
    def error(self) -> ProjectError | None:
        return self._error

    def reload(self) -> None:
        """Load afresh. A load under way isn't doubled: it stops at its next safe point (between
        resources, every few thousand YAML values: project/load_cancel.py) and loads again, so a
        burst of saves costs one load and a few moot starts, and a huge template saved mid-load
        gets its new model without waiting for the old one."""
        self._generation += 1
        if self._loading is None or self._loading.done():
            self._loading = asyncio.ensure_future(self._load())

    async def _load(self) -> None:
        while True:
            generation = self._generation
            self.loads += 1
            # Said once the load is under way: a change from here on stops it at its next safe
            # point (tests wait for this line rather than for time to pass).
            log.info("loading the project (load %d)", self.loads)
            try:
                superseded = functools.partial(self._superseded, generation)
                loaded = await asyncio.to_thread(_load_indexed, self.root, self.options, superseded)
            except LoadSuperseded:
                log.info("stopped loading the project: its files changed meanwhile")
                continue
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
                self._loaded = loaded
                self._error = None
                for warning in loaded.project.warnings:
                    log.info("warning: %s", warning)
                return

    def _superseded(self, generation: int) -> bool:
        return generation != self._generation

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

    def set_options(self, template: Path | None, var_files: tuple[Path, ...] = ()) -> bool:
        """Read the project from `template` (None: the usual search), with Terraform's
        `var_files`; True when that changed."""
        from lamina.project.project_options import ProjectOptions

        options = ProjectOptions(template=template, var_files=var_files)
        if options == (self.options or ProjectOptions()):
            return False
        self.options = options
        return True

    def is_project_file(self, path: Path) -> bool:
        """A file that defines the project's functions: one at the root, or one the current
        model was read from (a template elsewhere, a nested one, samconfig)."""
        if is_project_file_name(path) and normalized(path.parent) == normalized(self.root):
            return True
        loaded = self._loaded
        return loaded is not None and normalized(path) in loaded.source_files
