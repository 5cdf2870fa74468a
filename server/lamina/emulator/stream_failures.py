"""Where a stream mapping's discarded batch goes (OnFailure): an SQS queue or an SNS topic get
the invocation record; an S3 bucket gets it with the batch's event as `payload`, as an object
under `aws/lambda/<mapping UUID>/<shard>/YYYY/MM/DD/`, as AWS writes it.

SNS and S3 are asked at AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, else the queue endpoint
(`--sqs-endpoint`: one local stand-in, moto or LocalStack, serves them all).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from lamina.emulator.destinations import sqs_queue
from lamina.emulator.sqs_client import SqsClients
from lamina.emulator.stream_client import StreamClients

_CLIENTS: dict[tuple[str, str | None], StreamClients] = {}


def _clients(service: str, fallback_endpoint: str | None) -> StreamClients:
    clients = _CLIENTS.get((service, fallback_endpoint))
    if clients is None:
        clients = _CLIENTS[(service, fallback_endpoint)] = StreamClients(service, fallback_endpoint)
    return clients


def object_key(mapping_uuid: str, shard: str, now: datetime) -> str:
    return (
        f"aws/lambda/{mapping_uuid}/{shard}/{now:%Y/%m/%d}/{now:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
    )


async def send_failure(
    destination: str,
    record: dict[str, Any],
    event: dict[str, Any],
    sqs: SqsClients,
    mapping_uuid: str,
    shard: str,
    region: str,
) -> None:
    """Deliver `record` (the failed batch's `event` too, for S3) to `destination`."""
    if ":sns:" in destination:
        await _clients("sns", sqs.endpoint).call(
            destination.split(":")[3], "publish", TopicArn=destination, Message=json.dumps(record)
        )
    elif ":s3:" in destination:
        bucket = destination.rsplit(":", 1)[-1]
        body = json.dumps({**record, "payload": event}).encode()
        try:  # the record's own time, as AWS names the object
            when = datetime.fromisoformat(str(record["timestamp"]).replace("Z", "+00:00"))
        except (KeyError, ValueError):
            when = datetime.now(timezone.utc)
        key = object_key(mapping_uuid, shard, when)
        await _clients("s3", sqs.endpoint).call(
            region, "put_object", Bucket=bucket, Key=key, Body=body
        )
    else:
        queue_region, account, name = sqs_queue(destination)
        await sqs.send(queue_region, account, name, json.dumps(record))
