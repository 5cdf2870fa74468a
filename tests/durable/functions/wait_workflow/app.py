"""Two steps around a wait (one day unless the event says otherwise). Each step appends a line
to the file the event names, so a test can count how often each really ran."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def record(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


@durable_execution
def handler(event, context: DurableContext):
    def add(_):
        record(event["ledger"], "add")
        return event["x"] + 1

    a = context.step(add, name="add")
    context.wait(Duration.from_seconds(event.get("wait_seconds", 86400)), name="sleep")

    def double(_):
        record(event["ledger"], "double")
        return a * 2

    b = context.step(double, name="double")
    return {"result": b}
