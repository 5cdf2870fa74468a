"""Describes each object an S3 `ObjectCreated` notification reports, in words people read.

It uses a third-party package, humanize (listed in requirements.txt), to format sizes. Object
keys arrive URL-encoded in S3 events ("launch+keynote.mp4"), so they are decoded first.
"""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import unquote_plus

import humanize

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

LARGE_UPLOAD_BYTES = int(os.environ.get("LARGE_UPLOAD_BYTES", "100000000"))


def describe(record: dict[str, Any]) -> dict[str, Any]:
    bucket = record["s3"]["bucket"]["name"]
    key = unquote_plus(record["s3"]["object"]["key"])
    size = int(record["s3"]["object"].get("size", 0))
    upload = {
        "bucket": bucket,
        "key": key,
        "size": size,
        "humanSize": humanize.naturalsize(size),
        "large": size >= LARGE_UPLOAD_BYTES,
    }
    if upload["large"]:
        logger.warning("large upload: s3://%s/%s is %s", bucket, key, upload["humanSize"])
    else:
        logger.info("upload: s3://%s/%s (%s bytes)", bucket, key, humanize.intcomma(size))
    return upload


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    uploads = [
        describe(record)
        for record in event.get("Records", [])
        if record.get("eventSource") == "aws:s3"
        and record.get("eventName", "").startswith("ObjectCreated:")
    ]
    total = sum(upload["size"] for upload in uploads)
    count = len(uploads)
    summary = (
        f"{count} {'upload' if count == 1 else 'uploads'}, {humanize.naturalsize(total)} in total"
    )
    return {"uploads": uploads, "summary": summary}
