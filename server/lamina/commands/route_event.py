"""`lamina events generate --function F [--route 'GET /items/{id}']`: F's API route picks the
event source and fills in its method, path, resource and stage (gateway.route_events); a
function no route calls gets its other template events' source (source_event)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lamina.commands.console import fail

if TYPE_CHECKING:
    from lamina.project import Project


def route_values(
    project: Project, function: str, route_key: str | None, source: str | None
) -> tuple[str, dict[str, str]]:
    from lamina.commands.source_event import event_types, template_event_values
    from lamina.gateway.route_events import function_url_event_values, route_event_values
    from lamina.gateway.template_apis import read_template_apis
    from lamina.project import ProjectError

    try:
        spec = project.find(function)
    except ProjectError as e:
        fail(str(e))
    logical_id = spec.logical_id
    if project.template_path is None:
        fail("--function needs the project's template.yaml (its API events)")
    try:
        apis = read_template_apis(
            project.template_path, set(project.functions), None, project.options.parameter_overrides
        )
    except ProjectError as e:
        fail(str(e))
    routes = [r for r in apis.routes if r.function == logical_id]
    method = None
    if route_key is not None:
        method, _, path = route_key.strip().partition(" ")
        method, path = method.upper(), path.strip()
        if not path:  # just a path
            method, path = None, route_key.strip()
        routes = [
            r for r in routes if r.path == path and method in (None, r.method) or (
                r.path == path and r.method == "ANY"
            )
        ]  # fmt: skip
    if routes:
        chosen_source, values = route_event_values(routes[0])
        if method:
            values["method"] = method
    elif route_key is None and any(u.function == logical_id for u in apis.function_urls):
        chosen_source, values = function_url_event_values()
    elif route_key is None and (other := template_event_values(spec.template_events)):
        chosen_source, values = other
    else:
        known = ", ".join(r.route_key for r in apis.routes if r.function == logical_id)
        others = ", ".join(event_types(spec.template_events))
        what = f"no route {route_key!r}" if route_key else "no API event"
        fail(
            f"{function} has {what} in the template"
            + (f" (its routes: {known})" if known else "")
            + (
                f" (its events: {others}; no generated source matches)"
                if others and not known
                else ""
            )
        )
    return source or chosen_source, values
