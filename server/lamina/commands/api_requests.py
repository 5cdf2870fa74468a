"""What `lamina api` does with each request it answered: print its lines and, with
--save-events, save its event to the function's events/ folder."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lamina.gateway.request_record import RequestRecord
    from lamina.project import Project


def print_request(record: RequestRecord) -> None:
    """The function's logs, then one line per request (and why, for a gateway error)."""
    sys.stderr.write(record.logs + record.summary() + "\n")  # one write a request
    sys.stderr.flush()


def saving_events(
    project: Project, then: Callable[[RequestRecord], None]
) -> Callable[[RequestRecord], None]:
    """--save-events: each request's event to its function's events/ folder, then `then`."""
    from lamina.gateway.saved_events import save_last_event

    def on_request(record: RequestRecord) -> None:
        spec = project.functions.get(record.function or "")
        if spec is not None and record.event is not None:
            try:
                path = save_last_event(spec, record.event)
            except OSError as e:
                record.problem = f"could not save the event: {e}"
            else:
                record.problem = record.problem or f"event saved to {path}"
        then(record)

    return on_request
