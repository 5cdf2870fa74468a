"""The answer to a request no route serves: the Lambda operation it is (found by matching the
method and path against botocore's model), named in a clear error rather than a bare 404.

botocore is imported on the first such request only: it costs memory and start-up time the
emulator otherwise never needs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from aiohttp import web

from lamina.emulator.errors import LambdaError


@dataclass(frozen=True)
class _Operation:
    name: str
    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str], ...]  # fixed query parameters in the model's URI
    specificity: int


@functools.lru_cache(maxsize=1)
def _operations() -> tuple[_Operation, ...]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    operations = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"]
        path, _, query = uri.partition("?")
        fixed = tuple(
            (key, value)
            for key, _, value in (part.partition("=") for part in query.split("&") if part)
        )
        pattern = ""
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{"):
                pattern += ".+" if piece.endswith("+}") else "[^/]+"
            else:
                pattern += re.escape(piece)
        specificity = len(re.sub(r"\{[^}]+\}", "", path)) + 10 * len(fixed)
        operations.append(
            _Operation(name, http["method"], re.compile(f"^{pattern}/?$"), fixed, specificity)
        )
    return tuple(sorted(operations, key=lambda op: -op.specificity))


def operation_for(method: str, path: str, query: dict[str, str]) -> str | None:
    """The model's operation for a request, or None."""
    for op in _operations():
        if op.method != method or not op.path.match(path):
            continue
        if all(query.get(key) == value for key, value in op.query):
            return op.name
    return None


async def unsupported(request: web.Request) -> web.StreamResponse:
    query = {key: request.query[key] for key in request.query}
    operation = operation_for(request.method, request.path, query)
    if operation is None:
        return LambdaError(
            "UnknownOperationException",
            f"No Lambda API operation matches {request.method} {request.path}",
        ).response()
    return LambdaError(
        "NotImplementedException",
        f"lamina serve does not implement the Lambda operation {operation} "
        f"({request.method} {request.path})",
    ).response()
