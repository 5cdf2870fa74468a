"""Downloading a function's code from GetFunction's `Code.Location`.

On AWS the location is a presigned S3 URL, fetched as it is. Where S3 is pointed elsewhere
(`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL` or a profile's `endpoint_url`: LocalStack, moto
server), an S3 location on amazonaws.com is read from that endpoint with GetObject instead, so
nothing is sent to AWS's hosts when the user pointed every client at a local stand-in.
"""

from __future__ import annotations

import re
import urllib.request
from typing import Any
from urllib.parse import unquote, urlsplit

DOWNLOAD_TIMEOUT_S = 60
# bucket.s3.region.amazonaws.com, bucket.s3-region.amazonaws.com, bucket.s3.amazonaws.com
_VIRTUAL_HOST = re.compile(r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")
_PATH_STYLE_HOST = re.compile(r"^s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")


class DownloadError(Exception):
    """Why the code could not be fetched (one line)."""


def s3_object(url: str) -> tuple[str, str] | None:
    """(bucket, key) of an S3 URL on amazonaws.com, in either addressing style; else None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path.lstrip("/"))
    match = _VIRTUAL_HOST.match(host)
    if match and path:
        return match.group("bucket"), path
    if _PATH_STYLE_HOST.match(host) and "/" in path:
        bucket, key = path.split("/", 1)
        return bucket, key
    return None


def _local_endpoint(s3: Any) -> bool:
    host = (urlsplit(str(s3.meta.endpoint_url)).hostname or "").lower()
    return not host.endswith((".amazonaws.com", ".amazonaws.com.cn"))


def download_code(url: str, s3_client: Any) -> bytes:
    """The bytes at `url`. Raises DownloadError."""
    if not url.startswith(("https://", "http://")):
        raise DownloadError(f"the code location is not a URL: {url[:80]}")
    located = s3_object(url)
    if located is not None and _local_endpoint(s3_client):
        bucket, key = located
        try:
            data: bytes = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as error:  # botocore's ClientError, EndpointConnectionError, ...
            raise DownloadError(
                f"s3://{bucket}/{key} on {s3_client.meta.endpoint_url}: {error}"
            ) from None
        return data
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310
            body: bytes = response.read()
            return body
    except OSError as error:
        raise DownloadError(str(error)) from None
