"""A REST API's response streaming: a Lambda proxy integration with `responseTransferMode:
STREAM` (read by rest_stream_mode).

API Gateway then invokes with InvokeWithResponseStream and reads the answer as a Function URL's
stream: a JSON prelude (`statusCode`, `headers`, `multiValueHeaders`, `cookies`), eight NUL
bytes, then the body, passed on as it comes. What AWS's developer guide says, and Lamina does:
the integration timeout (`TimeoutInMillis`, 29 s by default, up to 15 minutes for a streaming
integration) bounds the wait for the prelude (504); a stream lasts 15 minutes at most and is
cut after 5 idle minutes (a Regional endpoint's; edge-optimized ones cut after 30 s); the 10 MB
response limit does not apply. A function that answers whole (a managed Python runtime never
streams) gives no prelude: 502, and the log line says why. See docs/http.md.
"""

from __future__ import annotations

from collections.abc import Callable

from lamina.gateway.http_types import HttpResponse
from lamina.gateway.integration_timeout import LateInvocations, timeout_ms
from lamina.gateway.responses import REST_PRELUDE, BadResult, streamed_response
from lamina.gateway.routes import Route
from lamina.gateway.url_streaming import StreamingInvoke, StreamLimits, start_stream
from lamina.runtime.invocation import InvocationResult

IDLE_S = 300.0  # a Regional (or private) endpoint's idle timeout for a stream
TOTAL_S = 900.0  # the longest stream
PRELUDE_BYTES = 16 * 1024  # the prelude must be whole within the stream's first 16 KB
NOT_STREAMED = (
    "the function answered whole, without the prelude a STREAM integration needs (JSON "
    "metadata, then eight NUL bytes): a managed Python runtime never streams; stream through a "
    "runtime of your own (provided.al2023) or the Lambda Web Adapter"
)


async def start_rest_stream(
    invoke: StreamingInvoke,
    route: Route,
    event: bytes,
    request_id: str,
    on_end: Callable[[InvocationResult | None, str], None],
    held: Callable[[], bool],
    late: LateInvocations,
) -> HttpResponse | InvocationResult:
    """The streamed response, or the result of an invocation that ended without a prelude
    (judged by `rest_whole_answer`). Raises asyncio.TimeoutError (no prelude within the
    integration timeout) and url_streaming.NoPrelude."""
    limits = StreamLimits(
        fields=REST_PRELUDE,
        head_s=timeout_ms(route) / 1000,
        prelude_bytes=PRELUDE_BYTES,
        idle_s=IDLE_S,
        total_s=TOTAL_S,
        held=held,
        late=late,
    )
    return await start_stream(invoke, route.function, event, request_id, on_end, limits)


def rest_whole_answer(payload: bytes) -> HttpResponse:
    """A STREAM integration's answer that came whole: a prelude and its body all at once (as
    InvokeWithResponseStream passes a buffered answer on), else BadResult."""
    if b"\0" * 8 not in payload[: PRELUDE_BYTES + 8]:
        raise BadResult(NOT_STREAMED)
    return streamed_response(payload, REST_PRELUDE)
