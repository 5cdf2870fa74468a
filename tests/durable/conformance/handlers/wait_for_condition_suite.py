"""Handlers for the conformance suite `wait_for_condition` (requirements 6-1 to 6-13)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.retries import JitterStrategy
from aws_durable_execution_sdk_python.serdes import SerDes
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitStrategyConfig,
    create_wait_strategy,
)

ONE_SECOND = Duration.from_seconds(1)


def increment(state, _context):
    return state + 1


def until(threshold):
    def strategy(state, _attempt):
        if state >= threshold:
            return WaitForConditionDecision.stop_polling()
        return WaitForConditionDecision.continue_waiting(ONE_SECOND)

    return strategy


def poll_until(context, threshold, initial=0, name=None):
    config = WaitForConditionConfig(wait_strategy=until(threshold), initial_state=initial)
    return context.wait_for_condition(check=increment, config=config, name=name)


@durable_execution
def basic(event, context: DurableContext):  # 6-1
    return poll_until(context, event)


@durable_execution
def immediate(event, context: DurableContext):  # 6-2
    config = WaitForConditionConfig(wait_strategy=until(5), initial_state=5)
    return context.wait_for_condition(check=lambda state, _: state, config=config)


@durable_execution
def named(event, context: DurableContext):  # 6-3
    return poll_until(context, event, name="poll-status")


@durable_execution
def initial_state(event, context: DurableContext):  # 6-4
    return poll_until(context, event, initial=5)


@durable_execution
def fixed_delay(event, context: DurableContext):  # 6-5
    strategy = create_wait_strategy(
        WaitStrategyConfig(
            should_continue_polling=lambda state: state < event,
            initial_delay=Duration.from_seconds(2),
            backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    config = WaitForConditionConfig(wait_strategy=strategy, initial_state=0)
    return context.wait_for_condition(check=increment, config=config)


@durable_execution
def max_attempts(event, context: DurableContext):  # 6-6
    strategy = create_wait_strategy(
        WaitStrategyConfig(
            should_continue_polling=lambda state: True,
            max_attempts=3,
            initial_delay=ONE_SECOND,
            backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    config = WaitForConditionConfig(wait_strategy=strategy, initial_state=0)
    return context.wait_for_condition(check=increment, config=config)


def failing_check(state, _context):
    raise RuntimeError("check failed")


@durable_execution
def check_fails(event, context: DurableContext):  # 6-7
    config = WaitForConditionConfig(wait_strategy=until(1), initial_state=0)
    return context.wait_for_condition(check=failing_check, config=config)


@durable_execution
def check_fails_caught(event, context: DurableContext):  # 6-8
    config = WaitForConditionConfig(wait_strategy=until(1), initial_state=0)
    try:
        return context.wait_for_condition(check=failing_check, config=config)
    except Exception:
        return "recovered"


@durable_execution
def structured_state(event, context: DurableContext):  # 6-9
    def check(state, _context):
        attempts = state["attempts"] + 1
        return {"status": "DONE" if attempts >= 2 else "PENDING", "attempts": attempts}

    def strategy(state, _attempt):
        if state["status"] == "PENDING":
            return WaitForConditionDecision.continue_waiting(ONE_SECOND)
        return WaitForConditionDecision.stop_polling()

    initial = {"status": "PENDING", "attempts": 0}
    config = WaitForConditionConfig(wait_strategy=strategy, initial_state=initial)
    return context.wait_for_condition(check=check, config=config)


@durable_execution
def null_state(event, context: DurableContext):  # 6-10
    config = WaitForConditionConfig(
        wait_strategy=lambda state, _: WaitForConditionDecision.stop_polling(), initial_state=None
    )
    return context.wait_for_condition(check=lambda state, _: None, config=config)


class ReversedText(SerDes):
    """Stores the state reversed, so that only this serdes can read it back."""

    def serialize(self, value, serdes_context):
        return value[::-1]

    def deserialize(self, data, serdes_context):
        return data[::-1]


@durable_execution
def custom_serdes(event, context: DurableContext):  # 6-11
    def strategy(state, _attempt):
        if len(state) >= 2:
            return WaitForConditionDecision.stop_polling()
        return WaitForConditionDecision.continue_waiting(ONE_SECOND)

    config = WaitForConditionConfig(wait_strategy=strategy, initial_state="", serdes=ReversedText())
    return context.wait_for_condition(check=lambda state, _: state + "x", config=config)


@durable_execution
def then_step(event, context: DurableContext):  # 6-12
    reached = poll_until(context, event)
    return context.step(lambda _: reached * 10)


@durable_execution
def two_in_a_row(event, context: DurableContext):  # 6-13
    first = poll_until(context, 2)
    return poll_until(context, 4, initial=first)
