"""24 steps of 250 KB each (under AWS's 256 KB per step), a wait, then a step that reads them
all: the replay after the wait starts from more checkpointed state than the invocation input's
first page holds (5 MB), so the SDK reads the rest with GetDurableExecutionState."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

SIZE = 250_000
PARTS = "abcdefghijklmnopqrstuvwx"


@durable_execution
def handler(event, context: DurableContext):
    parts = [context.step(lambda _, c=c: c * SIZE, name=f"part-{c}") for c in PARTS]
    context.wait(Duration.from_seconds(86400), name="sleep")
    return context.step(
        lambda _: {
            "lengths": sorted({len(p) for p in parts}),
            "heads": "".join(p[0] for p in parts),
        },
        name="summary",
    )
