"""Handlers for the conformance suite `wait` (requirements 2-1 to 2-5)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def wait_basic(event, context: DurableContext):  # 2-1
    context.wait(Duration.from_seconds(2))


@durable_execution
def wait_named(event, context: DurableContext):  # 2-2
    context.wait(Duration.from_seconds(2), name="custom_wait_name")


@durable_execution
def sequential_waits(event, context: DurableContext):  # 2-3
    context.wait(Duration.from_seconds(2), name="wait-1")
    context.wait(Duration.from_seconds(2), name="wait-2")
    return {"completedWaits": 2}


@durable_execution
def wait_minutes(event, context: DurableContext):  # 2-4
    context.wait(Duration.from_minutes(1))


@durable_execution
def wait_hour(event, context: DurableContext):  # 2-5
    context.wait(Duration.from_hours(1))
