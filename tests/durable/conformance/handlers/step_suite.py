"""Handlers for the conformance suite `step` (requirements 1-1 to 1-20), written from each
requirement's description. A step's attempt number says whether it fails, rather than a
table in DynamoDB as some descriptions suggest: the attempt is in the checkpointed state."""

import contextlib
import os

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import (
    JitterStrategy,
    RetryDecision,
    RetryPresets,
    RetryStrategyConfig,
    create_retry_strategy,
)
from aws_durable_execution_sdk_python.serdes import SerDes

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


class TransientError(Exception):
    pass


@durable_execution
def greet(event, context: DurableContext):  # 1-1
    return context.step(lambda _: f"Hello, {event}!")


@durable_execution
def greet_named(event, context: DurableContext):  # 1-2
    return context.step(lambda _: f"Hello, {event}!", name="custom_step_name")


@durable_execution
def sequential(event, context: DurableContext):  # 1-3
    first = context.step(lambda _: "first")
    return context.step(lambda _: f"{first}_second")


@durable_execution
def complex_object(event, context: DurableContext):  # 1-4
    def build(_):
        return {"user": {"name": event["name"], "tags": event["tags"]}, "count": len(event["tags"])}

    return context.step(build)


@durable_execution
def null_result(event, context: DurableContext):  # 1-5
    return context.step(lambda _: None)


class UppercaseSerDes(SerDes):
    def serialize(self, value, serdes_context):
        return '"' + str(value).upper() + '"'

    def deserialize(self, data, serdes_context):
        return data.strip('"')


@durable_execution
def custom_serdes(event, context: DurableContext):  # 1-6
    return context.step(lambda _: event, config=StepConfig(serdes=UppercaseSerDes()))


@durable_execution
def step_logger(event, context: DurableContext):  # 1-7
    def greet_step(step_context: StepContext):
        step_context.logger.info(f"Greeting step started for: {event}")
        result = f"Hello, {event}!"
        step_context.logger.info(f"Greeting step completed with: {result}")
        return result

    return context.step(greet_step)


@durable_execution
def step_then_wait(event, context: DurableContext):  # 1-8
    result = context.step(lambda _: "computed")
    context.wait(Duration.from_seconds(2))
    return result


@durable_execution
def replay_skips(event, context: DurableContext):  # 1-9
    def compute(step_context: StepContext):
        step_context.logger.info("step executed")
        return "cached_value"

    result = context.step(compute)
    context.wait(Duration.from_seconds(1))
    return result


@durable_execution
def replay_rethrows(event, context: DurableContext):  # 1-10
    def fail(step_context: StepContext):
        step_context.logger.info("step executed")
        raise RuntimeError("permanent failure")

    with contextlib.suppress(Exception):
        context.step(fail, config=NO_RETRY)
    context.wait(Duration.from_seconds(1))
    return None


@durable_execution
def retry_then_succeed(event, context: DurableContext):  # 1-11
    def unreliable(step_context: StepContext):
        if step_context.attempt == 1:
            raise RuntimeError("first attempt fails")
        return "Operation succeeded"

    strategy = create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1))
    )
    return context.step(unreliable, config=StepConfig(retry_strategy=strategy))


@durable_execution
def retry_exhausted(event, context: DurableContext):  # 1-12
    def always_fail(_):
        raise RuntimeError("always fails")

    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=4,
            initial_delay=Duration.from_seconds(1),
            backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    return context.step(always_fail, config=StepConfig(retry_strategy=strategy))


@durable_execution
def default_retry(event, context: DurableContext):  # 1-13
    def unreliable(step_context: StepContext):
        if step_context.attempt < 3:
            raise RuntimeError(f"attempt {step_context.attempt} fails")
        return "succeeded"

    return context.step(unreliable)


@durable_execution
def custom_backoff(event, context: DurableContext):  # 1-14
    def unreliable(step_context: StepContext):
        if step_context.attempt < 3:
            raise RuntimeError(f"attempt {step_context.attempt} fails")
        return "succeeded"

    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=5,
            initial_delay=Duration.from_seconds(2),
            backoff_rate=3,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    return context.step(unreliable, config=StepConfig(retry_strategy=strategy))


def retry_on_transient(error, attempts_made):
    if isinstance(error, TransientError) and attempts_made < 3:
        return RetryDecision.retry(Duration.from_seconds(1))
    return RetryDecision.no_retry()


def no_retry_on_transient(error, attempts_made):
    if isinstance(error, TransientError):
        return RetryDecision.no_retry()
    return RetryDecision.retry(Duration.from_seconds(1))


@durable_execution
def retry_specific(event, context: DurableContext):  # 1-15
    def flaky(step_context: StepContext):
        if step_context.attempt == 1:
            raise TransientError("transient")
        return "recovered"

    return context.step(flaky, config=StepConfig(retry_strategy=retry_on_transient))


@durable_execution
def non_retryable(event, context: DurableContext):  # 1-16
    def flaky(_):
        raise TransientError("transient")

    return context.step(flaky, config=StepConfig(retry_strategy=no_retry_on_transient))


@durable_execution
def at_most_once_no_retry(event, context: DurableContext):  # 1-17
    def crash(step_context: StepContext):
        step_context.logger.info(f"{event}")
        os._exit(1)

    config = StepConfig(
        retry_strategy=RetryPresets.none(), step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY
    )
    return context.step(crash, name="at_most_once_flaky_step", config=config)


@durable_execution
def at_most_once_retry(event, context: DurableContext):  # 1-18
    def flaky(step_context: StepContext):
        step_context.logger.info(f"{event}")
        if step_context.attempt == 1:
            os._exit(1)
        return "succeeded on second attempt"

    strategy = create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1))
    )
    config = StepConfig(
        retry_strategy=strategy, step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY
    )
    return context.step(flaky, name="at_most_once_flaky_step", config=config)


@durable_execution
def step_error(event, context: DurableContext):  # 1-19
    def failing(_):
        raise RuntimeError("step failed")

    return context.step(failing, config=NO_RETRY)


@durable_execution
def error_caught(event, context: DurableContext):  # 1-20
    def failing(_):
        raise RuntimeError("step failed")

    with contextlib.suppress(Exception):
        context.step(failing, config=NO_RETRY)
    return context.step(lambda _: "fallback_result")
