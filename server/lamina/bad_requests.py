"""A request aiohttp cannot parse (garbage, a bad header line, a line too long) gets its 400 and
one line in the log, not a traceback.

aiohttp logs the parser's exception with its traceback ("Error handling request from ...", on
the aiohttp.server logger) before answering 400; only a first request with a bad method is
logged at debug level. A client's malformed bytes are not the server's error: this filter
turns exactly those records (an HttpProcessingError from the parser) into one warning line
without the traceback, and the offending bytes aiohttp quotes. Every other record of the logger
(a handler's exception, answered 500) keeps its traceback.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

_LOGGER = "aiohttp.server"


class _OneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and str(record.msg).startswith(
            "Error handling request"
        ):
            what = (exc.message or type(exc).__name__).strip().splitlines()[0].rstrip(":")
            peer = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg = "malformed request from %s (%s): %d"
            record.args = (peer, what, exc.code)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_FILTER = _OneLine()


def quiet_malformed_requests() -> None:
    """Install the filter (once a process; the servers call it as they start listening)."""
    logger = logging.getLogger(_LOGGER)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
