"""The function model: what functions a project has, where their code and events are.

Nothing here imports PyYAML, `ast` or tomllib until it is needed: the CLI starts faster.
"""

from __future__ import annotations

from lamina.project.discovery import find_handler_location, handler_candidates
from lamina.project.events import events_for, find_event
from lamina.project.loader import Project, load_project
from lamina.project.pyproject import read_lamina_settings
from lamina.project.spec import FunctionSpec, ProjectError, SampleEvent
from lamina.project.target import is_target, parse_target
from lamina.project.template import find_template, read_template

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
