"""One invocation's answer as the runtime gives it through the Runtime API: a streamed
response's chunks, passed on as they come, then its result or error, settled once (a timeout, an
out-of-memory kill or the child's exit may settle it first). A buffered response is refused past
6 MB; a streamed one reaches the caller up to 200 MB, past which it fails (sandbox_errors)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lamina.runtime import sandbox_errors
from lamina.runtime.invocation_messages import Outcome, api_error

ACCEPTED = '{"status":"OK"}'


class InvocationAnswer:
    def __init__(
        self,
        request_id: str,
        on_chunk: Callable[[bytes], None] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        """`loop`: the running loop, if the caller has it (asyncio's lookup costs a getpid)."""
        self.request_id = request_id
        self.on_chunk = on_chunk  # the invocation's listener for streamed chunks
        self.streamed = -1  # bytes streamed so far (-1: not a streamed response)
        self.outcome: asyncio.Future[Outcome] = (loop or asyncio.get_running_loop()).create_future()

    def settle(self, outcome: Outcome) -> None:
        """The invocation ended so; the first word stands."""
        if not self.outcome.done():
            self.outcome.set_result(outcome)

    def reopen(self) -> None:
        """Forget the settled outcome: the invocation's end is decided anew (a timeout)."""
        self.outcome = asyncio.get_running_loop().create_future()

    def chunk(self, data: bytes) -> None:
        """A streamed response's chunk: counted, and passed on while within the limit."""
        self.streamed = max(self.streamed, 0) + len(data)
        if self.on_chunk is not None and self.streamed <= sandbox_errors.MAX_STREAMED_BYTES:
            self.on_chunk(data)

    def response(self, body: bytes, content_type: str) -> tuple[int, str]:
        """The runtime's result: the status and JSON to answer it with."""
        streamed = self.streamed >= 0
        limit = sandbox_errors.MAX_STREAMED_BYTES if streamed else sandbox_errors.MAX_RESPONSE_BYTES
        size = max(len(body), self.streamed)  # a stream's body is kept only up to the limit
        if size > limit:
            error = sandbox_errors.response_too_large(self.request_id, size, limit)
            self.settle(Outcome.error(error))
            return 413, api_error("RequestEntityTooLarge", "Response payload too large")
        self.settle(Outcome(True, body, content_type))
        return 202, ACCEPTED

    def error(self, body: bytes) -> tuple[int, str]:
        """The runtime's error JSON."""
        self.settle(Outcome(False, body))
        return 202, ACCEPTED
