"""What functions running in `lamina serve` get besides Lambda's own variables.

Credentials: fixed dummy ones (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), never
the developer's. An SDK in the function then signs its calls, and a call that reaches real AWS is
refused (InvalidClientTokenId) instead of acting on the developer's account.

Endpoints: AWS_ENDPOINT_URL_LAMBDA points at the emulator itself, so a function that invokes
another function reaches it here; AWS_ENDPOINT_URL_SQS is the emulator's SQS endpoint when one is
configured. `extra` holds what a neighbour adds: under `lamina serve --api`, the API's local CA
(AWS_CA_BUNDLE) and its @connections endpoint, so a function invoked here can answer a WebSocket
client of the API. A function's own Environment.Variables override all of these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

FUNCTION_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "LAMINALOCALACCESSKEY",
    "AWS_SECRET_ACCESS_KEY": "lamina-local-secret-access-key",
    "AWS_SESSION_TOKEN": "lamina-local-session-token",
}


class FunctionEnvironment:
    """The pool's credentials provider for the emulator's environments."""

    def __init__(self, endpoint: Callable[[], str], sqs_endpoint: str | None) -> None:
        self._endpoint = endpoint
        self._sqs_endpoint = sqs_endpoint
        self.extra: dict[str, str] = {}

    def variables(self) -> dict[str, str]:
        env = {**self.extra, **FUNCTION_CREDENTIALS}
        env["AWS_ENDPOINT_URL_LAMBDA"] = self._endpoint()
        if self._sqs_endpoint:
            env["AWS_ENDPOINT_URL_SQS"] = self._sqs_endpoint
        return env

    async def __call__(self) -> tuple[dict[str, str], datetime | None]:
        return self.variables(), None
