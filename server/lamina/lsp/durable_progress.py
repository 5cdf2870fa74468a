"""How a durable execution's progress reaches the editor, as it happens: each history event is
a line in the output (window/logMessage), a `$/progress` report, and a `lamina/durableEvent`
notification `{executionArn, function, event, text}`; the end is a `lamina/durableExecution`
notification `{executionArn, function, status, result?, error?}` and one message. Lenses are
refreshed when the status or the pending callbacks change. Each invocation's result is a
`lamina/invocationResult` as for a plain run (durable_executions.py sends those).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from lamina.lsp.code_lenses import refresh_lenses
from lamina.lsp.durable_followed import FollowedExecution
from lamina.lsp.progress import Progress
from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from lamina.durable.local_api import LocalDurableApi

log = logging.getLogger(__name__)
DURABLE_EVENT = "lamina/durableEvent"
DURABLE_EXECUTION = "lamina/durableExecution"
POLL_S = 0.2


async def report_progress(
    ls: LaminaServer, api: LocalDurableApi, followed: FollowedExecution
) -> None:
    """Follow the execution until it ends (or the service goes away), telling the editor."""
    from lamina.durable.history_text import describe_event

    progress = Progress(ls, f"Durable execution of {followed.function}")
    await progress.begin("started")
    started: dict[str, float] = {}
    seen = 0
    try:
        while True:
            await api.service.wait(followed.arn, POLL_S)
            state = await api.state(followed.arn, seen)
            seen += len(state.new_events)
            for event in state.new_events:
                text = describe_event(event, _note_start(event, started))
                followed.history.append(text)
                ls.log_to_client(f"{followed.function}: {text.strip()}")
                if progress.token is not None:
                    progress.report(text.strip())
                ls.protocol.notify(
                    DURABLE_EVENT,
                    {
                        "executionArn": followed.arn,
                        "function": followed.function,
                        "event": json.loads(json.dumps(event, default=str)),
                        "text": text.strip(),
                    },
                )
            changed = (state.status, state.callbacks) != (followed.status, followed.callbacks)
            followed.last = state
            followed.status = state.status
            followed.callbacks = state.callbacks
            followed.wakes_at = None if state.wakes_at is None else state.wakes_at.isoformat()
            if changed:
                refresh_lenses(ls)
            if state.ended:
                break
            if state.waiting_outside():
                followed.settled.set()
    except Exception as e:  # the service went away (shutdown) or failed: say so once
        log.info("following %s ended: %s", followed.arn, e)
        followed.status = followed.status if followed.status != "RUNNING" else "UNKNOWN"
    finally:
        progress.end(followed.status)
        followed.settled.set()
    ended = followed.summary()
    ended.pop("history")
    ls.protocol.notify(DURABLE_EXECUTION, ended)
    ok = followed.status == "SUCCEEDED"
    ls.show(
        f"{followed.function}: durable execution {followed.status.lower()}",
        types.MessageType.Info if ok else types.MessageType.Error,
    )


def _note_start(event: dict[str, Any], started: dict[str, float]) -> dict[str, float]:
    when = event.get("EventTimestamp")
    op = event.get("Id")
    if str(event.get("EventType", "")).endswith("Started") and isinstance(op, str):
        stamp = getattr(when, "timestamp", None)
        if stamp is not None:
            started[op] = stamp()
    return started
