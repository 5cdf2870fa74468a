"""Handlers for the conformance suite `callback` (requirements 4-1 to 4-19): create_callback,
with timeouts, heartbeats, failures, waits between, and custom deserializers."""

import datetime
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration
from aws_durable_execution_sdk_python.serdes import SerDes


def seconds(n):
    return Duration.from_seconds(n)


@durable_execution
def basic(event, context: DurableContext):  # 4-1, 4-6
    return context.create_callback(name=event).result()


@durable_execution
def named(event, context: DurableContext):  # 4-2
    return context.create_callback(name="approval").result()


@durable_execution
def timeout(event, context: DurableContext):  # 4-3
    config = CallbackConfig(timeout=seconds(5))
    return context.create_callback(name=event, config=config).result()


@durable_execution
def heartbeat_timeout(event, context: DurableContext):  # 4-4
    config = CallbackConfig(heartbeat_timeout=seconds(5))
    return context.create_callback(name=event, config=config).result()


@durable_execution
def heartbeat_then_success(event, context: DurableContext):  # 4-5
    config = CallbackConfig(heartbeat_timeout=seconds(10))
    return context.create_callback(name=event, config=config).result()


@durable_execution
def step_between(event, context: DurableContext):  # 4-7
    callback = context.create_callback(name=event)
    context.step(lambda _: "working")
    return callback.result()


@durable_execution
def timeout_step_between(event, context: DurableContext):  # 4-8
    callback = context.create_callback(name=event, config=CallbackConfig(timeout=seconds(5)))
    context.step(lambda _: "working")
    return callback.result()


@durable_execution
def wait_between(event, context: DurableContext):  # 4-9, 4-10
    callback = context.create_callback(name=event)
    context.wait(seconds(5))
    return callback.result()


@durable_execution
def timeout_during_wait(event, context: DurableContext):  # 4-11
    callback = context.create_callback(name=event, config=CallbackConfig(timeout=seconds(3)))
    context.wait(seconds(6))
    return callback.result()


@durable_execution
def result_then_wait(event, context: DurableContext):  # 4-12
    result = context.create_callback(name=event).result()
    context.wait(seconds(2))
    return result


@durable_execution
def catch_failure_then_wait(event, context: DurableContext):  # 4-13
    try:
        message = context.create_callback(name=event).result()
    except Exception as error:
        message = f"callback failed: {error}"
    context.wait(seconds(2))
    return message


@durable_execution
def catch_timeout_then_wait(event, context: DurableContext):  # 4-14
    config = CallbackConfig(timeout=seconds(3))
    try:
        message = context.create_callback(name=event, config=config).result()
    except Exception as error:
        message = f"callback timed out: {error}"
    context.wait(seconds(2))
    return message


class TypedPayload(SerDes):
    def serialize(self, value, serdes_context):
        return json.dumps(value)

    def deserialize(self, data, serdes_context):
        payload = json.loads(data)
        when = datetime.datetime.fromisoformat(payload["timestamp"].replace("Z", "+00:00"))
        return {
            "id": payload["id"],
            "message": payload["message"],
            "timestamp": int(when.timestamp()),
        }


class NumberPayload(SerDes):
    def serialize(self, value, serdes_context):
        return json.dumps(value)

    def deserialize(self, data, serdes_context):
        return int(json.loads(data))


@durable_execution
def typed_payload(event, context: DurableContext):  # 4-15
    config = CallbackConfig(serdes=TypedPayload())
    return {"received": context.create_callback(name=event, config=config).result()}


@durable_execution
def number_payload(event, context: DurableContext):  # 4-16
    count = context.create_callback(
        name=event, config=CallbackConfig(serdes=NumberPayload())
    ).result()
    return {"count": count, "doubled": count * 2}


@durable_execution
def one_after_another(event, context: DurableContext):  # 4-17
    a = context.create_callback(name=event[0]).result()
    b = context.create_callback(name=event[1]).result()
    return [a, b]


@durable_execution
def both_then_a_b(event, context: DurableContext):  # 4-18
    a = context.create_callback(name=event[0])
    b = context.create_callback(name=event[1])
    return [a.result(), b.result()]


@durable_execution
def both_then_b_a(event, context: DurableContext):  # 4-19
    a = context.create_callback(name=event[0])
    b = context.create_callback(name=event[1])
    second = b.result()
    return [a.result(), second]
