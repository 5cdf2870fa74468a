"""boto3 clients for the stream pollers (Kinesis, DynamoDB Streams), one per service and region.

The endpoint is AWS_ENDPOINT_URL_KINESIS or AWS_ENDPOINT_URL_DYNAMODBSTREAMS, else
AWS_ENDPOINT_URL, else `--sqs-endpoint` (one local AWS stand-in, moto or LocalStack, serves all
three), else AWS itself. As for SQS, a loopback endpoint gets dummy credentials and any other the
developer's credential chain; calls run in worker threads, and boto3 is imported on first use.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from lamina.emulator.client import DUMMY_CREDENTIALS, is_local_endpoint


class StreamClients:
    def __init__(self, service: str, fallback_endpoint: str | None = None) -> None:
        self.service = service
        variable = f"AWS_ENDPOINT_URL_{service.upper()}"
        self.endpoint = (
            os.environ.get(variable) or os.environ.get("AWS_ENDPOINT_URL") or fallback_endpoint
        )
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, region: str) -> Any:
        with self._lock:
            client = self._clients.get(region)
            if client is None:
                client = self._clients[region] = self._make(region)
            return client

    def _make(self, region: str) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(read_timeout=30, connect_timeout=5, retries={"mode": "standard"})
        if self.endpoint and is_local_endpoint(self.endpoint):
            session = boto3.session.Session(region_name=region, **DUMMY_CREDENTIALS)
        else:
            session = boto3.session.Session(region_name=region)
        return session.client(self.service, endpoint_url=self.endpoint or None, config=config)

    async def call(self, region: str, operation: str, **params: Any) -> Any:
        def run() -> Any:
            return getattr(self.client(region), operation)(**params)

        return await asyncio.to_thread(run)
