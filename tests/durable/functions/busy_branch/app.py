"""Two parallel branches: one waits (the event's wait_seconds), the other runs two steps that
each hold until their file (the event's "first" and "second") exists. While the second branch
holds, the handler runs with the first branch's wait pending."""

import os
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def hold(path):
    deadline = time.monotonic() + 50
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never came")
        time.sleep(0.01)
    return os.path.basename(path)


@durable_execution
def handler(event, context: DurableContext):
    def waiting(ctx):
        ctx.wait(Duration.from_seconds(event["wait_seconds"]), name="pause")
        return "waited"

    def working(ctx):
        ctx.step(lambda _: hold(event["first"]), name="first")
        ctx.step(lambda _: hold(event["second"]), name="second")
        return "worked"

    return context.parallel([waiting, working], name="both").get_results()
