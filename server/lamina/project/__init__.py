"""The function model: what functions a project has, where their code and events are.

Nothing here imports PyYAML, `ast` or tomllib until it is needed: the CLI starts faster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lamina.project.spec import FunctionSpec, ProjectError, SampleEvent

if TYPE_CHECKING:
    from lamina.project.discovery import find_handler_location, handler_candidates
    from lamina.project.events import events_for, find_event
    from lamina.project.loader import Project, load_project
    from lamina.project.pyproject import read_lamina_settings
    from lamina.project.target import is_target, parse_target
    from lamina.project.template import find_template, read_template

# Loaded on first use (PEP 562), so `import lamina.project.spec` stays cheap for the runtime.
_LAZY = {
    "find_handler_location": "discovery",
    "handler_candidates": "discovery",
    "events_for": "events",
    "find_event": "events",
    "Project": "loader",
    "load_project": "loader",
    "read_lamina_settings": "pyproject",
    "is_target": "target",
    "parse_target": "target",
    "find_template": "template",
    "read_template": "template",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lamina.project' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"lamina.project.{module}"), name)


__all__ = [
    "FunctionSpec",
    "Project",
    "ProjectError",
    "SampleEvent",
    "events_for",
    "find_event",
    "find_handler_location",
    "find_template",
    "handler_candidates",
    "is_target",
    "load_project",
    "parse_target",
    "read_lamina_settings",
    "read_template",
]
