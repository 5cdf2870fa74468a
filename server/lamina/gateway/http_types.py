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
    # Lower-case name -> last value, made at the first look-up (a request is asked 4-6 times
    # and never changed after it is made).
    _by_name: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        """The last value of a header (names compare case-insensitively)."""
        by_name = self._by_name
        if by_name is None:
            by_name = self._by_name = {key.lower(): value for key, value in self.headers}
        value = by_name.get(name)  # callers ask in lower case: no lower() for them
        return value if value is not None or name.islower() else by_name.get(name.lower())

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
