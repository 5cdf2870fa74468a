"""The Runtime API of a Lambda Managed Instances environment: several runtime workers at once.

With `AWS_LAMBDA_MAX_CONCURRENCY` set, the runtime (awslambdaric 4, or Lamina's bootstrap) runs
that many worker processes, each with its own init and its own `/next` loop. So here several
`/next` may wait at once, each event goes to the first worker waiting (or waits for the next
`/next`), and each result is answered on its own request id (the environment keeps one answer
per invocation in flight). Init is over when the first worker waits in `/next`, as the Managed
Instances docs say. Only the first `/init/error` is taken; the other workers' get 403, which
awslambdaric 4 takes as "another worker already posted it" (LambdaMultiConcurrentRuntimeClient).

Everything else (sealing to the environment's process tree, the request parsing, the other
routes, the answers' shapes) is the single-invocation server's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from lamina.runtime.api_server import PREFIX, PendingEvent, RuntimeApiListener, RuntimeApiServer
from lamina.runtime.request_reader import error_json

if TYPE_CHECKING:
    from lamina.runtime.api_server import _Connection

_INIT_ERROR = f"{PREFIX}/init/error"


class MultiRuntimeApiServer(RuntimeApiServer):
    """A Runtime API serving up to `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once."""

    def __init__(
        self, listener: RuntimeApiListener, owner: Callable[[], int | None] | None = None
    ) -> None:
        super().__init__(listener, owner)
        self._waiting: deque[_Connection] = deque()  # workers parked on /next, oldest first
        self._queued: deque[PendingEvent] = deque()  # events no worker has taken yet
        self._init_error_taken = False
        # The invocation each worker holds, by the connection its event went out on: a worker
        # that hangs up before answering has died with it (see _hung_up).
        self._holding: dict[_Connection, str] = {}

    def deliver(self, event: PendingEvent) -> None:
        """Hand an event to the first worker waiting in /next, else keep it for the next one."""
        while self._waiting:
            connection = self._waiting.popleft()
            if connection.send_event(event):
                self._holding[connection] = event.request_id
                return
        self._queued.append(event)

    def withdraw(self, request_id: str) -> None:
        """Forget an event no worker has taken yet (its invocation ended meanwhile: timed out,
        or its caller gave up), so that no worker runs it later."""
        self._queued = deque(event for event in self._queued if event.request_id != request_id)

    def runtime_gone(self) -> bool:
        """True once every worker that waited has hung up and none waits (they all died)."""
        alive = deque(c for c in self._waiting if not c.peer_closed())
        self._waiting = alive
        return self._disconnected and not alive

    def cancel_pending(self) -> None:
        """Forget the events not yet taken; the workers parked on /next are hung up on."""
        self._queued.clear()
        waiting, self._waiting = self._waiting, deque()
        if waiting:
            self._disconnected = True
        for connection in waiting:
            connection.close()

    def _next(self, connection: _Connection) -> None:
        """GET /invocation/next from one worker: an event now if one is queued, else park (each
        worker on its own connection, so several park at once)."""
        self._disconnected = False
        if self._queued:
            event = self._queued.popleft()
            connection.write(200, event.body, event.headers)
            self._holding[connection] = event.request_id
            return
        connection.parked = True
        self._waiting.append(connection)
        self.listener.on_next()

    def _hung_up(self, connection: _Connection) -> None:
        self._connections.discard(connection)
        lost = self._holding.pop(connection, None)
        hear = getattr(self.listener, "on_worker_lost", None)
        if lost is not None and hear is not None:
            hear(lost)
        if connection in self._waiting:
            self._waiting.remove(connection)
            self._disconnected = not self._waiting

    def _post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        if path == _INIT_ERROR:
            if self._init_error_taken:
                message = "State transition from InitError to InitError failed for runtime."
                return 403, error_json("InvalidStateTransition", message + " Error: posted")
            self._init_error_taken = True
        parts = path[len(PREFIX) :].strip("/").split("/")
        if len(parts) == 3 and parts[0] == "invocation":  # answered: no longer held
            for connection, request_id in list(self._holding.items()):
                if request_id == parts[1]:
                    del self._holding[connection]
        return super()._post(path, headers, body)
