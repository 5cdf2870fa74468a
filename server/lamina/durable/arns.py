"""Execution ARNs as AWS writes them (botocore's DurableExecutionArn pattern):
arn:aws:lambda:REGION:ACCOUNT:function:NAME:VERSION/durable-execution/EXECUTION_NAME/ID

The testing runner gives its executions opaque ids; `AwsArnExecutor` gives them these, so the
SDK, boto3's validation and the conformance suite see what the service gives.
"""

from __future__ import annotations

import dataclasses
import uuid

from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.model import (
    StartDurableExecutionInput,
    executed_version,
)


def execution_arn(region: str, start: StartDurableExecutionInput, invocation_id: str) -> str:
    version = executed_version(start.function_qualifier)
    return (
        f"arn:aws:lambda:{region}:{start.account_id}:function:{start.function_name}:{version}"
        f"/durable-execution/{start.execution_name}/{invocation_id}"
    )


class AwsArnExecutor(Executor):
    """AWS's executor, creating executions under AWS-shaped ARNs."""

    def _create_execution(
        self, input: StartDurableExecutionInput, parent_execution_arn: str | None = None
    ) -> Execution:
        invocation_id = input.invocation_id or str(uuid.uuid4())
        start = dataclasses.replace(input, invocation_id=invocation_id)
        execution = Execution(
            durable_execution_arn=execution_arn(self.region, start, invocation_id),
            start_input=start,
            operations=[],
        )
        execution.region = self.region
        execution.parent_execution_arn = parent_execution_arn
        execution.start(now=self._clock.now())
        self._store.save(execution)
        return execution
