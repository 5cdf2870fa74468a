"""AWS's limit on what one operation may checkpoint: 256 KB of result for a step or a child
context.

The SDK knows it (constants.CHECKPOINT_SIZE_LIMIT_BYTES: a child context whose result is larger
checkpoints it with ReplayChildren instead), and AWS refuses a checkpoint that breaks it with
InvalidParameterValueException "STEP output payload size must be less than or equal to 262144
bytes" (quoted from the service in aws/aws-durable-execution-sdk-python issue #342). The
testing runner checks only the error object and chained invokes' 1 MiB, so a step that returned
megabytes was stored under Lamina and failed on AWS. Checked before the runner applies the
checkpoint, so a refused one changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_durable_execution_sdk_python.lambda_service import OperationType, OperationUpdate
from aws_durable_execution_sdk_python_testing.exceptions import InvalidParameterValueException

OUTPUT_LIMIT_BYTES = 262144
LIMITED = frozenset({OperationType.STEP, OperationType.CONTEXT})


def check_output_sizes(updates: Sequence[OperationUpdate] | None) -> None:
    """AWS's error for the first update whose payload is over the limit."""
    for update in updates or ():
        payload = update.payload
        # A character is 1 to 4 bytes: encode only what may be over.
        if payload is None or len(payload) * 4 <= OUTPUT_LIMIT_BYTES:
            continue
        if update.operation_type not in LIMITED:
            continue
        if len(payload) > OUTPUT_LIMIT_BYTES or len(payload.encode()) > OUTPUT_LIMIT_BYTES:
            kind = update.operation_type.value
            raise InvalidParameterValueException(
                f"{kind} output payload size must be less than or equal to "
                f"{OUTPUT_LIMIT_BYTES} bytes"
            )


class CheckpointLimits:
    """Mixed into the executor before the runner's Executor."""

    def _checkpoint_execution(
        self,
        execution_arn: str,
        checkpoint_token: str,
        updates: list[OperationUpdate] | None = None,
        client_token: str | None = None,
    ) -> Any:
        check_output_sizes(updates)
        return super()._checkpoint_execution(  # type: ignore[misc]
            execution_arn, checkpoint_token, updates, client_token
        )
