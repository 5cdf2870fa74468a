"""Waits for an external system: the callback id goes to the file the event names, and the
execution returns what the callback was completed with."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    def submit(callback_id, _context):
        with open(event["callback_file"], "w") as f:
            f.write(callback_id)

    answer = context.wait_for_callback(submit, name="approval")
    return {"approved": answer}
