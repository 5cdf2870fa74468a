"""Handlers for the conformance suite `child` (requirements 3-1 to 3-18): run_in_child_context."""

import contextlib
import os
import time

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import ChildConfig, Duration, StepConfig
from aws_durable_execution_sdk_python.retries import (
    RetryPresets,
    RetryStrategyConfig,
    create_retry_strategy,
)
from aws_durable_execution_sdk_python.serdes import SerDes

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())
ONE_SECOND = Duration.from_seconds(1)


def retry(max_attempts):
    strategy = create_retry_strategy(
        RetryStrategyConfig(max_attempts=max_attempts, initial_delay=ONE_SECOND)
    )
    return StepConfig(retry_strategy=strategy)


@durable_execution
def single_step(event, context: DurableContext):  # 3-1
    return context.run_in_child_context(lambda child: child.step(lambda _: event))


@durable_execution
def named(event, context: DurableContext):  # 3-2
    return context.run_in_child_context(
        lambda child: child.step(lambda _: event["value"]), name=event["name"]
    )


@durable_execution
def two_steps(event, context: DurableContext):  # 3-3
    def body(child):
        first = child.step(lambda _: event)
        return child.step(lambda _: first)

    return context.run_in_child_context(body, name="two-steps")


@durable_execution
def step_fails(event, context: DurableContext):  # 3-4
    def fail(_):
        raise RuntimeError("inner step failed")

    return context.run_in_child_context(
        lambda child: child.step(fail, config=NO_RETRY), name="failing"
    )


@durable_execution
def failure_caught(event, context: DurableContext):  # 3-5
    def fail(_):
        raise RuntimeError("inner step failed")

    with contextlib.suppress(Exception):
        context.run_in_child_context(lambda child: child.step(fail, config=NO_RETRY))
    return context.step(lambda _: event)


@durable_execution
def nested(event, context: DurableContext):  # 3-6
    def inner(child):
        return child.step(lambda _: event)

    def outer(child):
        child.step(lambda _: event)
        return child.run_in_child_context(inner, name="inner")

    return context.run_in_child_context(outer, name="outer")


@durable_execution
def step_retried(event, context: DurableContext):  # 3-7
    def flaky(step_context: StepContext):
        if step_context.attempt == 1:
            raise RuntimeError("first attempt fails")
        return event

    return context.run_in_child_context(
        lambda child: child.step(flaky, config=retry(3)), name="retried"
    )


@durable_execution
def retries_exhausted(event, context: DurableContext):  # 3-8
    def fail(_):
        raise RuntimeError("always fails")

    return context.run_in_child_context(
        lambda child: child.step(fail, config=retry(2)), name="exhausted"
    )


@durable_execution
def then_wait(event, context: DurableContext):  # 3-9
    result = context.run_in_child_context(lambda child: child.step(lambda _: event))
    context.wait(ONE_SECOND)
    return result


@durable_execution
def step_and_wait_inside(event, context: DurableContext):  # 3-10
    def body(child):
        result = child.step(lambda _: event)
        child.wait(ONE_SECOND)
        return result

    return context.run_in_child_context(body, name="mixed")


@durable_execution
def interrupted(event, context: DurableContext):  # 3-12
    marker = (
        "/tmp/lamina-conformance-3-12-" + context.state.durable_execution_arn.rsplit("/", 1)[-1]
    )

    def crash_once(_):
        if not os.path.exists(marker):
            open(marker, "w").close()
            # The description crashes after StepStarted is checkpointed; the SDK sends that
            # checkpoint in the background (at-least-once), so give it a moment to go out.
            time.sleep(1)
            os._exit(1)
        return event

    return context.run_in_child_context(lambda child: child.step(crash_once))


@durable_execution
def only_wait_inside(event, context: DurableContext):  # 3-13
    def body(child):
        child.wait(ONE_SECOND)
        return event

    result = context.run_in_child_context(body, name="waiting")
    return context.step(lambda _: result)


class Uppercase(SerDes):
    def serialize(self, value, serdes_context):
        return str(value).upper()

    def deserialize(self, data, serdes_context):
        return data


@durable_execution
def custom_serdes(event, context: DurableContext):  # 3-14
    return context.run_in_child_context(
        lambda child: child.step(lambda _: event),
        name="uppercase",
        config=ChildConfig(serdes=Uppercase()),
    )


@durable_execution
def throws_directly(event, context: DurableContext):  # 3-15
    def body(child):
        raise RuntimeError("child failed without a durable operation")

    return context.run_in_child_context(body, name="throws")


@durable_execution
def returns_null(event, context: DurableContext):  # 3-16
    return context.run_in_child_context(lambda child: None, name="nothing")


@durable_execution
def mixed_inside_and_after(event, context: DurableContext):  # 3-18
    def body(child):
        result = child.step(lambda _: event)
        child.wait(ONE_SECOND)
        return result

    result = context.run_in_child_context(body, name="inside")
    outer = context.step(lambda _: result)
    context.wait(ONE_SECOND)
    return outer


def _replay_logger(child):
    """The child's logger with replay logging on: it logs while replaying too, with the
    execution's fields (executionArn...) that CloudWatch's JSON filter picks."""
    return child.logger.with_is_replaying(lambda: False)


@durable_execution
def large_payload_logged(event, context: DurableContext):  # 3-11
    def body(child):
        _replay_logger(child).info(f"child input {event}")
        small = child.step(lambda _: event)
        return small * (300 * 1024 // max(1, len(small)) + 1)  # over 256 KB: ReplayChildren

    result = context.run_in_child_context(body, name="large")
    context.wait(ONE_SECOND)
    return len(result)


@durable_execution
def logger_only(event, context: DurableContext):  # 3-17
    def body(child):
        _replay_logger(child).info(f"child input {event}")
        return event

    result = context.run_in_child_context(body, name="logger_only")
    context.wait(ONE_SECOND)
    return result
