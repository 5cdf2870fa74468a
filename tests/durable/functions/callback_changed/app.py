"""callback_workflow after a code change that is not replay-safe: a step now comes before the
callback, so the operations already checkpointed no longer match the code (the SDK raises
NonDeterministicExecutionError on the replay)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    context.step(lambda _: "audited", name="audit")

    def submit(callback_id, _context):
        with open(event["callback_file"], "w") as f:
            f.write(callback_id)

    answer = context.wait_for_callback(submit, name="approval")
    return {"approved": answer}
