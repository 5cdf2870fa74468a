"""Handlers for the conformance suite `map` (9-1 to 9-20), one per requirement, written from
each requirement's description."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.concurrency.models import (
    BatchItem,
    BatchItemStatus,
    BatchResult,
    CompletionReason,
)
from aws_durable_execution_sdk_python.config import (
    CompletionConfig,
    Duration,
    MapConfig,
    NestingType,
)
from aws_durable_execution_sdk_python.serdes import JsonSerDes, SerDes, SerDesContext

SEQUENTIAL = MapConfig(max_concurrency=1)
ALL = ("completionReason", "status", "successCount", "failureCount", "totalCount")
NO_STATUS = ("completionReason", "successCount", "failureCount", "totalCount")


def projection(batch, *fields):
    values = {
        "completionReason": str(batch.completion_reason.value),
        "status": str(batch.status.value),
        "successCount": batch.success_count,
        "failureCount": batch.failure_count,
        "totalCount": batch.total_count,
    }
    return {name: values[name] for name in fields}


def run(context, items, func, **completion):
    config = MapConfig(max_concurrency=1, completion_config=CompletionConfig(**completion))
    return context.map(items, func, config=config)


def ok_or_fail(_ctx, item, _index, _items):
    """Items are "ok"-like strings or "fail"; a "fail" item raises."""
    if item == "fail":
        raise RuntimeError("item failed")
    return item


def upper(_ctx, item, _index, _items):
    return item.upper()


@durable_execution
def basic(event, context: DurableContext):  # 9-1
    def greet(ctx, item, _index, _items):
        return ctx.step(lambda _: f"Hello, {item}!")

    return context.map(event, greet, name="map", config=SEQUENTIAL).get_results()


@durable_execution
def items_only(event, context: DurableContext):  # 9-2
    return context.map(event, lambda _c, item, _i, _a: item * 2, config=SEQUENTIAL).get_results()


@durable_execution
def indexed(event, context: DurableContext):  # 9-3
    func = lambda _c, item, index, _a: item + index  # noqa: E731
    return context.map(event, func, name="indexed", config=SEQUENTIAL).get_results()


@durable_execution
def empty(event, context: DurableContext):  # 9-4
    return context.map([], upper, name="empty", config=SEQUENTIAL).get_results()


@durable_execution
def fail_fast(event, context: DurableContext):  # 9-5
    batch = run(context, ["ok", "fail", "never"], ok_or_fail, tolerated_failure_count=0)
    return projection(batch, *ALL)


@durable_execution
def fail_fast_rethrow(event, context: DurableContext):  # 9-6
    run(context, ["fail", "never"], ok_or_fail, tolerated_failure_count=0).throw_if_error()


@durable_execution
def min_successful(event, context: DurableContext):  # 9-7
    batch = run(context, ["a", "b", "c", "d"], ok_or_fail, min_successful=2)
    return projection(batch, "completionReason", "successCount", "totalCount")


@durable_execution
def tolerated_one(event, context: DurableContext):  # 9-8
    batch = run(context, ["a", "fail", "c"], ok_or_fail, tolerated_failure_count=1)
    return projection(batch, *ALL)


@durable_execution
def tolerance_exceeded(event, context: DurableContext):  # 9-9
    batch = run(context, ["fail", "fail", "c"], ok_or_fail, tolerated_failure_count=1)
    return projection(batch, *NO_STATUS)


@durable_execution
def percentage_exceeded(event, context: DurableContext):  # 9-10
    items = ["fail", "fail", "c", "d"]
    batch = run(context, items, ok_or_fail, tolerated_failure_percentage=25)
    return projection(batch, *NO_STATUS)


@durable_execution
def concurrent(event, context: DurableContext):  # 9-11
    config = MapConfig(max_concurrency=2)
    return context.map(["r0", "r1", "r2"], ok_or_fail, config=config).get_results()


@durable_execution
def flat(event, context: DurableContext):  # 9-12
    def step(ctx, item, _index, _items):
        return ctx.step(lambda _: item)

    config = MapConfig(max_concurrency=1, nesting_type=NestingType.FLAT)
    return context.map(["fa", "fb"], step, config=config).get_results()


@durable_execution
def item_namer(event, context: DurableContext):  # 9-13
    config = MapConfig(max_concurrency=1, item_namer=lambda item, index: f"item-{item}")
    return context.map(event, lambda _c, item, _i, _a: item * 10, config=config).get_results()


class PrefixSerDes(SerDes[str]):
    """A per-item serializer that is not the identity: "X" is stored as "wrapped:X"."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return f"wrapped:{value}"

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return data.removeprefix("wrapped:")


@durable_execution
def item_serdes(event, context: DurableContext):  # 9-14
    config = MapConfig(max_concurrency=1, item_serdes=PrefixSerDes())
    return context.map(["x", "y"], upper, config=config).get_results()


@durable_execution
def iteration_waits(event, context: DurableContext):  # 9-15
    def item(ctx, value, index, _items):
        if index == 1:
            ctx.wait(Duration.from_seconds(1))
        return ctx.step(lambda _: value)

    return context.map(["r0", "r1"], item, config=SEQUENTIAL).get_results()


@durable_execution
def large_results(event, context: DurableContext):  # 9-16
    big = lambda _c, item, _i, _a: item * 70_000  # noqa: E731
    batch = context.map(["a", "b", "c", "d"], big, config=SEQUENTIAL)
    return projection(batch, "successCount", "totalCount")


@durable_execution
def wait_after(event, context: DurableContext):  # 9-17
    results = context.map(["a", "b"], upper, config=SEQUENTIAL).get_results()
    context.wait(Duration.from_seconds(1))
    return results


@durable_execution
def failed_item_then_wait(event, context: DurableContext):  # 9-18
    batch = run(context, ["ok", "fail"], ok_or_fail, tolerated_failure_count=1)
    context.wait(Duration.from_seconds(1))
    return projection(batch, *ALL)


class BatchSerDes(SerDes[BatchResult]):
    """A whole-result serializer that is not the identity: ["X", "Y"] is "OPSERDE:X,Y"."""

    def serialize(self, value: BatchResult, serdes_context: SerDesContext) -> str:
        return "OPSERDE:" + ",".join(value.get_results())

    def deserialize(self, data: str, serdes_context: SerDesContext) -> BatchResult:
        values = data.removeprefix("OPSERDE:").split(",")
        items = [BatchItem(i, BatchItemStatus.SUCCEEDED, v) for i, v in enumerate(values)]
        return BatchResult(items, CompletionReason.ALL_COMPLETED)


OPERATION_SERDES = MapConfig(max_concurrency=1, serdes=BatchSerDes(), item_serdes=JsonSerDes())


@durable_execution
def operation_serdes(event, context: DurableContext):  # 9-19
    return context.map(["x", "y"], upper, config=OPERATION_SERDES).get_results()


@durable_execution
def operation_serdes_replayed(event, context: DurableContext):  # 9-20
    batch = context.map(["x", "y"], upper, config=OPERATION_SERDES)
    context.wait(Duration.from_seconds(1))
    return batch.get_results()
