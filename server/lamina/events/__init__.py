"""Sample events for local invocations, shaped like the ones AWS sends (`lamina events`)."""

from __future__ import annotations

from lamina.events.catalog import (
    EventSource,
    UnknownEventSource,
    generate,
    list_sources,
    resolve_source,
    source_names,
)

__all__ = [
    "EventSource",
    "UnknownEventSource",
    "generate",
    "list_sources",
    "resolve_source",
    "source_names",
]
