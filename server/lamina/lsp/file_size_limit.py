"""`lsp.maxFileSize`: files above it get no lenses and no diagnostics, and one message.

Parsing costs many times a file's size in memory (ast nodes for Python, node objects for YAML),
so a generated or vendored file of tens of MB could exhaust the machine. Over the limit the
server skips the file, says so once per file (until it is back under), and stays responsive.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lamina.lsp.server import LaminaServer

log = logging.getLogger(__name__)
_reported: set[str] = set()  # uris over the limit that were reported


def over_limit(ls: LaminaServer, uri: str, text: str) -> bool:
    """Whether `text` (the document at `uri`) is too big to parse; reports it once."""
    limit = int(ls.settings.get("lsp.maxFileSize"))
    if len(text) <= limit:  # characters: never more than its UTF-8 bytes
        _reported.discard(uri)
        return False
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= limit:
        _reported.discard(uri)
        return False
    if uri not in _reported:
        _reported.add(uri)
        log.warning(
            "Lamina: %s is %d bytes, over lsp.maxFileSize (%d): no lenses or diagnostics for it",
            uri.rsplit("/", 1)[-1],
            size,
            limit,
        )
    return True
