"""Handlers for the conformance suite `plugin` (requirements 10-1 to 10-7): the SDK's
instrumentation plugin API. Each plugin prints JSON records to plain stdout, stamped with the
execution's ARN (`durableExecutionArn`) so the validator's CloudWatch filter finds them."""

import json

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.plugin import DurableInstrumentationPlugin, OperationType
from aws_durable_execution_sdk_python.retries import (
    RetryPresets,
    RetryStrategyConfig,
    create_retry_strategy,
)


def _token(value):
    return getattr(value, "value", value)


class Recorder(DurableInstrumentationPlugin):
    """Prints one JSON record per hook the requirement asks for."""

    def __init__(self, name, arn, hooks, faulty=False):
        self.name = name
        self.arn = arn
        self.hooks = hooks
        self.faulty = faulty

    def emit(self, hook, **fields):
        if hook in self.hooks:
            record = {"plugin": self.name, "hook": hook, **fields, "durableExecutionArn": self.arn}
            print(json.dumps(record), flush=True)
        if self.faulty:
            raise RuntimeError(f"{self.name} fails in {hook}")

    def on_invocation_start(self, info):
        self.emit("invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info):
        self.emit("invocation-end", status=_token(info.status))

    def on_operation_start(self, info):
        if info.operation_type == OperationType.STEP:
            self.emit("operation-start", op=info.operation_id)

    def on_operation_end(self, info):
        if info.operation_type == OperationType.STEP:
            self.emit("operation-end", op=info.operation_id, status=_token(info.status))

    def on_user_function_start(self, info):
        if info.operation_type == OperationType.STEP:
            self.emit("attempt-start", n=info.attempt, op=info.operation_id)

    def on_user_function_end(self, info):
        if info.operation_type == OperationType.STEP:
            self.emit(
                "attempt-end", n=info.attempt, outcome=_token(info.outcome), op=info.operation_id
            )


class Factory:
    def __init__(self, name, hooks, faulty=False):
        self.name = name
        self.hooks = hooks
        self.faulty = faulty

    def create_plugin(self, info, /):
        return Recorder(self.name, info.execution_arn, self.hooks, self.faulty)


INVOCATION = ("invocation-start", "invocation-end")
ALL_HOOKS = INVOCATION + ("operation-start", "operation-end", "attempt-start", "attempt-end")


def _greet(event):
    def greet(step_context: StepContext):
        step_context.logger.info(f"Greeting step running for: {event}")
        return f"Hello, {event}!"

    return greet


@durable_execution(plugins=[Factory("CONFPLUGIN", INVOCATION)])
def invocation_hooks(event, context: DurableContext):  # 10-1
    return context.step(_greet(event))


@durable_execution(plugins=[Factory("CONFPLUGIN", ("operation-start", "operation-end"))])
def operation_hooks(event, context: DurableContext):  # 10-2
    return context.step(_greet(event))


@durable_execution(plugins=[Factory("CONFPLUGIN", ("attempt-start", "attempt-end"))])
def attempt_hooks(event, context: DurableContext):  # 10-3
    def unreliable(step_context: StepContext):
        if step_context.attempt == 1:
            raise RuntimeError("first attempt fails")
        return "Operation succeeded"

    strategy = create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1))
    )
    return context.step(unreliable, config=StepConfig(retry_strategy=strategy))


@durable_execution(plugins=[Factory("CONFPLUGIN-FAULTY", ALL_HOOKS, faulty=True)])
def faulty_plugin(event, context: DurableContext):  # 10-4
    return context.step(_greet(event))


@durable_execution(
    plugins=[Factory("CONFPLUGIN-A", INVOCATION), Factory("CONFPLUGIN-B", INVOCATION)]
)
def two_plugins(event, context: DurableContext):  # 10-5
    return context.step(_greet(event))


@durable_execution(plugins=[Factory("CONFPLUGIN", INVOCATION)])
def first_then_replay(event, context: DurableContext):  # 10-6
    context.wait(Duration.from_seconds(2))


@durable_execution(plugins=[Factory("CONFPLUGIN", INVOCATION)])
def execution_fails(event, context: DurableContext):  # 10-7
    def failing(_):
        raise RuntimeError("always fails")

    return context.step(failing, config=StepConfig(retry_strategy=RetryPresets.none()))
