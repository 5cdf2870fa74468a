"""A request and a response as plain data, so the event mapping never sees an HTTP framework."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class HttpRequest:
    method: str
    path: str  # as the client sent it (percent-encoded), without the query
    query: str = ""  # the raw query string, without '?'
    headers: list[tuple[str, str]] = field(default_factory=list)  # in order, names as sent
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """The last value of a header (names compare case-insensitively)."""
        wanted = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == wanted:
                found = value
        return found

    @property
    def host(self) -> str:
        return self.header("host") or "127.0.0.1"


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # A body that comes in pieces (a streamed Function URL answer), sent chunked; else `body`.
    stream: AsyncIterator[bytes] | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)
