"""Invokes the function named in the event (`target`) twice, then one that does not exist."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    first = context.invoke(event["target"], {"n": 1}, name="first")
    second = context.invoke(event["target"], {"n": first["n"] + 1}, name="second")
    try:
        context.invoke(event["missing"], {}, name="missing")
    except Exception as e:  # the SDK raises the target's error
        missing = str(e)
    return {"first": first, "second": second, "missing": missing}
