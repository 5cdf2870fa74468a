"""Reading a streamed answer from the streamer app's runtime (apps/streamer/src/own_runtime.py)
as it comes: the function sends "one ", then waits (5 s at most) for a file the reader makes
only after reading "one ", so the body can only say "released" if that chunk came through
before the stream ended."""

from __future__ import annotations

from pathlib import Path

import requests


def read_live(url: str, release: Path) -> bytes:
    """The whole body of a GET of `url` (a `?release=` route of the streamer), releasing the
    function once its first chunk has arrived; asserts the answer is a chunked 201."""
    with requests.get(url, params={"release": str(release)}, stream=True, timeout=30) as response:
        assert response.status_code == 201
        assert response.headers["Transfer-Encoding"] == "chunked"
        pieces = response.iter_content(chunk_size=None)
        received = b""
        while b"one " not in received:
            received += next(pieces)
        release.touch()
        return received + b"".join(pieces)
