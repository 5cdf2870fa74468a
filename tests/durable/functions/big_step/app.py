"""A step whose result is as long as the event asks (`size` characters): beyond the
checkpoint's limit, the checkpoint is refused and the execution fails with that error."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    context.step(lambda _: "small", name="first")
    big = context.step(lambda _: "x" * event["size"], name="big")
    return {"length": len(big)}
