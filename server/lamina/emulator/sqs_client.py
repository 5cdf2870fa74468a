"""boto3 SQS clients for event source mappings and SQS destinations.

The endpoint is `lamina serve --sqs-endpoint URL`, else the AWS_ENDPOINT_URL_SQS variable, else
AWS itself. A loopback endpoint (moto, ElasticMQ, LocalStack) gets dummy credentials; any other
endpoint, AWS included, uses the developer's normal credential chain (environment, profile, SSO),
since reading a real queue needs them. Functions never see those credentials.

boto3 costs about 0.4 s and 30 MB to import, so it is imported the first time a mapping or an SQS
destination needs it, in a worker thread; calls run in worker threads too (asyncio.to_thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from typing import Any

from lamina.emulator.client import DUMMY_CREDENTIALS, is_local_endpoint

LONG_POLL_S = 2  # ReceiveMessage's WaitTimeSeconds: short, so that stopping is quick


class SqsClients:
    def __init__(self, endpoint: str | None = None) -> None:
        self.endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL_SQS") or None
        self._clients: dict[str, Any] = {}
        self._urls: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()

    def describe(self) -> str:
        return self.endpoint or "AWS (the developer's credentials)"

    def client(self, region: str) -> Any:
        """The client for a region (blocking: the first call imports boto3)."""
        with self._lock:
            client = self._clients.get(region)
            if client is None:
                client = self._clients[region] = self._make(region)
            return client

    def _make(self, region: str) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(
            read_timeout=LONG_POLL_S + 20, connect_timeout=5, retries={"mode": "standard"}
        )
        if self.endpoint and is_local_endpoint(self.endpoint):
            session = boto3.session.Session(region_name=region, **DUMMY_CREDENTIALS)
        else:
            session = boto3.session.Session(region_name=region)
        return session.client("sqs", endpoint_url=self.endpoint, config=config)

    def queue_url(self, region: str, account: str, name: str) -> str:
        key = (region, account, name)
        url = self._urls.get(key)
        if url is None:
            response = self.client(region).get_queue_url(
                QueueName=name, QueueOwnerAWSAccountId=account
            )
            url = self._urls[key] = str(response["QueueUrl"])
        return url

    async def call(self, region: str, operation: str, **params: Any) -> Any:
        """One SQS call in a worker thread."""

        def run() -> Any:
            return getattr(self.client(region), operation)(**params)

        return await asyncio.to_thread(run)

    async def long_poll(self, region: str, **params: Any) -> Any:
        """ReceiveMessage, in a daemon thread of its own: a long poll still waiting when the
        emulator stops must not hold up its exit (the default executor's threads are joined)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def settle(result: Any, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        def run() -> None:
            try:
                result = self.client(region).receive_message(**params)
            except BaseException as e:  # handed to the waiting task
                with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                    loop.call_soon_threadsafe(settle, None, e)
                return
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, result, None)

        threading.Thread(target=run, name="lamina-sqs-poll", daemon=True).start()
        return await future

    async def url(self, region: str, account: str, name: str) -> str:
        return await asyncio.to_thread(self.queue_url, region, account, name)

    async def send(
        self,
        arn_region: str,
        account: str,
        name: str,
        body: str,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        url = await self.url(arn_region, account, name)
        extra = {"MessageAttributes": attributes} if attributes else {}
        await self.call(arn_region, "send_message", QueueUrl=url, MessageBody=body, **extra)
