"""A diagnostic for a function whose deployment package would pass Lambda's unzipped limit
(250 MB), on its resource in the template (or its handler file). Checked after each of its
deploys, in a worker thread: file sizes and an already cached dependency zip only, no pip."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lamina.deploy.bundle import PackageBuilder
    from lamina.lsp.workspace_services import DiagnosticsService
    from lamina.project.diagnostics import ProjectDiagnostic
    from lamina.project.spec import FunctionSpec

log = logging.getLogger(__name__)
CODE = "package-too-large"


class PackageLimits:
    def __init__(self, root: Path, diagnostics: DiagnosticsService) -> None:
        self.root = root
        self.diagnostics = diagnostics
        self._builders: dict[str, PackageBuilder] = {}

    def _builder(self, python: str | None) -> PackageBuilder:
        from lamina.deploy.bundle import PackageBuilder
        from lamina.project.workspace import state_dir

        key = python or sys.executable
        if key not in self._builders:
            self._builders[key] = PackageBuilder(state_dir(self.root) / "cache", key)
        return self._builders[key]

    async def check(self, spec: FunctionSpec, target: str, python: str | None) -> None:
        from lamina.deploy.bundle import DependencyPlatform

        platform = DependencyPlatform.LAMBDA if target == "aws" else DependencyPlatform.LOCAL
        builder = self._builder(python)

        def find() -> ProjectDiagnostic | None:  # blocking: walks the code dir
            problem = builder.size_problem(spec, platform)
            return _diagnostic(spec, problem) if problem else None

        try:
            diagnostic = await asyncio.to_thread(find)
        except Exception as e:  # a folder that vanished, a bad .laminaignore: the deploy says
            log.debug("cannot check the package size of %s: %s", spec.logical_id, e)
            return
        self.diagnostics.set_extra(f"{CODE}:{spec.logical_id}", diagnostic)


def _diagnostic(spec: FunctionSpec, message: str) -> ProjectDiagnostic:
    from lamina.project.diagnostics import ProjectDiagnostic, Severity
    from lamina.project.template_nodes import TextSpan

    if spec.source_path is not None and spec.source_line is not None:
        path, line = spec.source_path, spec.source_line - 1
    else:
        path, line = spec.handler_path, 0
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return ProjectDiagnostic(path, TextSpan.of_line(line, text), Severity.ERROR, CODE, message)
