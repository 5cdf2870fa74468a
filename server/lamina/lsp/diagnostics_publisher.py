"""Publishes the project checks (lamina.project.diagnostics) as LSP diagnostics, and keeps
them, with their fixes, for the code actions.

The template is checked when it is opened or saved, when the project reloads and when code
changes (a missing handler may have appeared). A handler file is checked when it is opened or
saved, a requirements.txt likewise. Checks that read many files run in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from lamina.lsp.file_size_limit import over_limit

if TYPE_CHECKING:
    from lamina.lsp.server import LaminaServer
    from lamina.lsp.workspace_state import WorkspaceState
    from lamina.project.diagnostics import ProjectDiagnostic
    from lamina.project.template_nodes import TextSpan

log = logging.getLogger(__name__)


def to_range(span: TextSpan) -> types.Range:
    return types.Range(
        start=types.Position(line=span.start_line, character=span.start_column),
        end=types.Position(line=span.end_line, character=span.end_column),
    )


def to_lsp(diagnostic: ProjectDiagnostic) -> types.Diagnostic:
    return types.Diagnostic(
        range=to_range(diagnostic.span),
        message=diagnostic.message,
        severity=types.DiagnosticSeverity(int(diagnostic.severity)),
        code=diagnostic.code,
        source="lamina",
    )


def uri_of(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


class DiagnosticsPublisher:
    def __init__(self, ls: LaminaServer, state: WorkspaceState) -> None:
        self.ls = ls
        self.state = state
        self.published: dict[str, list[ProjectDiagnostic]] = {}
        self._checked: dict[str, list[ProjectDiagnostic]] = {}  # uri -> the file checks' own
        self._extra: dict[str, ProjectDiagnostic] = {}  # key -> one from elsewhere (sync)
        self._installed: dict[str, frozenset[str]] = {}
        # The template check under way, by the text it reads: opening the template and the
        # workspace's start both ask for one, and on a huge template each costs a second.
        self._template_check: tuple[str, asyncio.Future[list[ProjectDiagnostic]]] | None = None

    def text_of(self, path: Path) -> str | None:
        """The editor's text of an open document, else the file's."""
        document = self.ls.workspace.text_documents.get(uri_of(path))
        if document is not None:
            return str(document.source)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def open_python_sources(self) -> dict[Path, str]:
        """The editor's text of every open Python file (a snapshot, for a worker thread)."""
        sources: dict[Path, str] = {}
        for uri, document in list(self.ls.workspace.text_documents.items()):
            path = to_fs_path(uri) if uri.endswith(".py") else None
            if path:
                sources[Path(os.path.normpath(path))] = str(document.source)
        return sources

    def publish(self, path: Path, checked: list[ProjectDiagnostic]) -> None:
        """Publish a file's checks, with the extra diagnostics that point into it."""
        uri = uri_of(path)
        self._checked[uri] = checked
        diagnostics = checked + [d for d in self._extra.values() if uri_of(d.path) == uri]
        if not diagnostics and not self.published.get(uri):
            self.published.pop(uri, None)
            return  # nothing to clear
        self.published[uri] = diagnostics
        self.ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[to_lsp(d) for d in diagnostics])
        )

    def set_extra(self, key: str, diagnostic: ProjectDiagnostic | None) -> None:
        """Set (or clear, with None) a diagnostic that no file check makes (a package over a
        limit); it stays beside the file's own checks until cleared."""
        old = self._extra.pop(key, None)
        if diagnostic is not None:
            self._extra[key] = diagnostic
        if old == diagnostic:
            return
        for path in {d.path for d in (old, diagnostic) if d is not None}:
            self.publish(path, self._checked.get(uri_of(path), []))

    def at(self, uri: str) -> list[ProjectDiagnostic]:
        return self.published.get(uri, [])

    # --- the checks ---------------------------------------------------------------------------

    async def template(self) -> None:
        from lamina.project.diagnostics import check_template
        from lamina.project.template import find_template

        path = find_template(self.state.root)
        if path is None:
            return
        await self.state.index.current()  # the project (and so the lenses) first
        text = self.text_of(path)
        if text is None:
            return
        if over_limit(self.ls, uri_of(path), text):
            self.publish(path, [])
            return
        running = self._template_check
        if running is None or running[1].done() or running[0] != text:
            sources = self.open_python_sources()
            work = asyncio.ensure_future(asyncio.to_thread(check_template, path, text, sources))
            running = self._template_check = (text, work)
        self.publish(path, await asyncio.shield(running[1]))

    async def file_changed(self, path: Path) -> None:
        if path.suffix == ".py":
            await self.python_file(path)
        elif path.name == "requirements.txt":
            self._installed.clear()  # an install may have happened meanwhile
            await self.requirements(path)

    async def document(self, uri: str) -> None:
        """Check an opened or saved document, whatever kind it is."""
        path_text = to_fs_path(uri)
        if path_text is None:
            return
        path = Path(path_text)
        if self.state.index.is_project_file(path) and path.name.startswith("template."):
            await self.template()
        elif path.suffix == ".py":
            await self.python_file(path)
        elif path.name == "requirements.txt":
            await self.requirements(path)

    async def python_file(self, path: Path) -> None:
        from lamina.project.diagnostics import check_handler_source

        loaded = await self.state.index.current()
        names = [spec.function for spec in loaded.specs_for_file(path)] if loaded else []
        text = self.text_of(path) if names else None
        if text is not None and over_limit(self.ls, uri_of(path), text):
            text = None
        self.publish(path, check_handler_source(path, text, names) if text is not None else [])

    async def requirements(self, path: Path) -> None:
        from lamina.project.diagnostics import check_requirements

        loaded = await self.state.index.current()
        specs = [
            spec
            for spec in (loaded.project.functions.values() if loaded else [])
            if spec.requirements_file is not None and spec.requirements_file.samefile(path)
        ]
        text = self.text_of(path)
        if not specs or text is None:
            self.publish(path, [])
            return
        runner = self.state.runner
        python = runner.python
        try:
            if not await asyncio.to_thread(runner.needs_install, specs[0]):
                self.publish(path, [])
                return
            if python not in self._installed:
                from lamina.project.requirements_check import installed_distributions

                self._installed[python] = await asyncio.to_thread(installed_distributions, python)
        except (OSError, ValueError) as e:
            log.info("cannot check %s: %s", path, e)
            return
        found = check_requirements(path, text, self._installed[python], python, specs[0].logical_id)
        self.publish(path, found)

    async def after_install(self) -> None:
        self._installed.clear()
        for uri in list(self.published):
            if uri.endswith("/requirements.txt"):
                await self.document(uri)
