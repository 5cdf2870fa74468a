"""Handlers for the conformance suite `wait_for_callback` (requirements 7-1 to 7-15)."""

import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig
from aws_durable_execution_sdk_python.retries import (
    JitterStrategy,
    RetryStrategyConfig,
    create_retry_strategy,
)
from aws_durable_execution_sdk_python.serdes import SerDes


def submit(callback_id, context):
    """The submitter: hands the callback id to an external system (nothing durable)."""


@durable_execution
def basic(event, context: DurableContext):  # 7-1, 7-4, 7-15
    return context.wait_for_callback(submit, name=event)


@durable_execution
def named(event, context: DurableContext):  # 7-2
    return context.wait_for_callback(submit, name="approval")


@durable_execution
def anonymous(event, context: DurableContext):  # 7-3
    return context.wait_for_callback(lambda callback_id, _: None)


@durable_execution
def timeout(event, context: DurableContext):  # 7-5
    config = WaitForCallbackConfig(timeout=Duration.from_seconds(3))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_execution
def recover_failure(event, context: DurableContext):  # 7-6
    try:
        return context.wait_for_callback(submit, name=event)
    except Exception:
        return "recovered"


@durable_execution
def submitter_fails(event, context: DurableContext):  # 7-7
    def failing(callback_id, _context):
        raise RuntimeError("submitter failed")

    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=2,
            initial_delay=Duration.from_seconds(1),
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    config = WaitForCallbackConfig(retry_strategy=strategy)
    return context.wait_for_callback(failing, name=event, config=config)


@durable_execution
def in_child_context(event, context: DurableContext):  # 7-8
    return context.run_in_child_context(
        lambda child: child.wait_for_callback(submit, name=event), name="wrapper"
    )


@durable_execution
def two_in_a_row(event, context: DurableContext):  # 7-9
    context.wait_for_callback(submit, name="first")
    return context.wait_for_callback(submit, name="second")


@durable_execution
def after_wait_and_step(event, context: DurableContext):  # 7-10
    context.wait(Duration.from_seconds(1))
    context.step(lambda _: {"prepared": True})
    return context.wait_for_callback(submit, name=event)


class JsonPayload(SerDes):
    def serialize(self, value, serdes_context):
        return json.dumps(value)

    def deserialize(self, data, serdes_context):
        return json.loads(data)


@durable_execution
def json_payload(event, context: DurableContext):  # 7-11
    config = WaitForCallbackConfig(serdes=JsonPayload())
    return context.wait_for_callback(submit, name=event, config=config)["status"]


@durable_execution
def heartbeat_timeout(event, context: DurableContext):  # 7-12
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(5))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_execution
def heartbeat_then_success(event, context: DurableContext):  # 7-13
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(10))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_execution
def recover_timeout(event, context: DurableContext):  # 7-14
    config = WaitForCallbackConfig(timeout=Duration.from_seconds(3))
    try:
        return context.wait_for_callback(submit, name=event, config=config)
    except Exception:
        return "timed-out-handled"
