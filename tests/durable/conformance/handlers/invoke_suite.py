"""Handlers for the conformance suite `invoke` (5-1 to 5-16), and the functions they invoke:
durable functions themselves (AWS's histories carry the child execution's ARN). runner.py
creates the targets too and gives every function their names (ECHO_FUNCTION...)."""

import json
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, InvokeConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


@durable_execution
def echo(event, context: DurableContext):
    """A durable function that returns what it gets."""
    return event


@durable_execution
def failing(event, context: DurableContext):
    """A durable function that always fails."""
    raise ValueError("the target failed")


@durable_execution
def measure(event, context: DurableContext):
    """A durable function that processes a large payload: its size."""
    return {"length": len(event["data"])}


def target(name):
    return os.environ[name]


@durable_execution
def basic(event, context: DurableContext):  # 5-1
    return context.invoke(target("ECHO_FUNCTION"), event)


@durable_execution
def named(event, context: DurableContext):  # 5-2
    return context.invoke(target("ECHO_FUNCTION"), event["payload"], name=event["name"])


@durable_execution
def nested_input(event, context: DurableContext):  # 5-3
    return context.invoke(target("ECHO_FUNCTION"), event)


@durable_execution
def null_payload(event, context: DurableContext):  # 5-4
    return context.invoke(target("ECHO_FUNCTION"), None)


@durable_execution
def target_fails(event, context: DurableContext):  # 5-5
    return context.invoke(target("FAILING_FUNCTION"), None)


@durable_execution
def target_fails_caught(event, context: DurableContext):  # 5-6
    try:
        return context.invoke(target("FAILING_FUNCTION"), None)
    except Exception:
        return "fallback"


@durable_execution
def large_payload(event, context: DurableContext):  # 5-7
    return context.invoke(target("MEASURE_FUNCTION"), {"data": "x" * 200_000})


@durable_execution
def tenant(event, context: DurableContext):  # 5-8
    config: InvokeConfig = InvokeConfig(tenant_id=event["tenantId"])
    return context.invoke(target("ECHO_FUNCTION"), event["payload"], config=config)


@durable_execution
def then_wait(event, context: DurableContext):  # 5-9
    result = context.invoke(target("ECHO_FUNCTION"), "cached")
    context.wait(Duration.from_seconds(1))
    return result


@durable_execution
def failure_then_wait(event, context: DurableContext):  # 5-10
    # On the replay after the wait, the invoke's cached error is raised again and caught again.
    try:
        context.invoke(target("FAILING_FUNCTION"), None)
    except Exception:
        outcome = "caught"
    context.wait(Duration.from_seconds(1))
    return outcome


@durable_execution
def step_then_invoke(event, context: DurableContext):  # 5-11
    value = context.step(lambda _: {"from": "step"})
    return context.invoke(target("ECHO_FUNCTION"), value)


@durable_execution
def invoke_then_step(event, context: DurableContext):  # 5-12
    value = context.invoke(target("ECHO_FUNCTION"), "from-invoke")
    return context.step(lambda _: f"step saw {value}")


@durable_execution
def in_child_context(event, context: DurableContext):  # 5-13
    return context.run_in_child_context(
        lambda child: child.invoke(target("ECHO_FUNCTION"), "in-child")
    )


@durable_execution
def two_targets(event, context: DurableContext):  # 5-14
    first = context.invoke(target("ECHO_FUNCTION"), "first")
    second = context.invoke(target("MEASURE_FUNCTION"), {"data": first})
    return [first, second]


class UpperPayload(SerDes[dict]):
    """Sends {"data": "hello"} as {"data": "HELLO"}."""

    def serialize(self, value: dict, serdes_context: SerDesContext) -> str:
        return json.dumps({k: str(v).upper() for k, v in value.items()})

    def deserialize(self, data: str, serdes_context: SerDesContext) -> dict:
        return json.loads(data)


@durable_execution
def payload_serdes(event, context: DurableContext):  # 5-15
    config: InvokeConfig = InvokeConfig(serdes_payload=UpperPayload())
    return context.invoke(target("ECHO_FUNCTION"), event, config=config)


class UpperResult(SerDes[str]):
    """Reads the result's payload, '"hello"', as the string '"HELLO"' (no JSON decoding)."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return value

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return data.upper()


@durable_execution
def result_serdes(event, context: DurableContext):  # 5-16
    config: InvokeConfig = InvokeConfig(serdes_result=UpperResult())
    return context.invoke(target("ECHO_FUNCTION"), event, config=config)
