"""Handlers for the conformance suite `parallel` (8-1 to 8-22), one per requirement, written
from each requirement's description."""

import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import (
    CompletionConfig,
    Duration,
    NestingType,
    ParallelBranch,
    ParallelConfig,
)
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

SEQUENTIAL = ParallelConfig(max_concurrency=1)


@durable_execution
def two_steps(event, context: DurableContext):  # 8-1
    branches = [
        lambda ctx: ctx.step(lambda _: "task-1"),
        lambda ctx: ctx.step(lambda _: "task-2"),
    ]
    return context.parallel(branches, name="parallel", config=SEQUENTIAL).get_results()


@durable_execution
def unnamed(event, context: DurableContext):  # 8-2
    return context.parallel(
        [lambda ctx: "alpha", lambda ctx: "beta"], config=SEQUENTIAL
    ).get_results()


@durable_execution
def mixed_types(event, context: DurableContext):  # 8-4
    branches = [lambda ctx: "hello", lambda ctx: 42, lambda ctx: {"k": "v"}]
    return context.parallel(branches, config=SEQUENTIAL).get_results()


@durable_execution
def empty(event, context: DurableContext):  # 8-5
    return context.parallel([], config=SEQUENTIAL).get_results()


@durable_execution
def concurrent(event, context: DurableContext):  # 8-11
    branches = [lambda ctx: "r0", lambda ctx: "r1", lambda ctx: "r2"]
    return context.parallel(branches, config=ParallelConfig(max_concurrency=2)).get_results()


@durable_execution
def branch_waits(event, context: DurableContext):  # 8-14
    def second(ctx):
        ctx.wait(Duration.from_seconds(2))
        return "b1"

    branches = [lambda ctx: ctx.step(lambda _: "b0"), second]
    return context.parallel(branches, config=SEQUENTIAL).get_results()


def fail(_ctx):
    raise RuntimeError("branch failed")


def ok(value):
    return lambda _ctx: value


def projection(batch, *fields):
    values = {
        "completionReason": str(batch.completion_reason.value),
        "status": str(batch.status.value),
        "successCount": batch.success_count,
        "failureCount": batch.failure_count,
        "totalCount": batch.total_count,
    }
    return {name: values[name] for name in fields}


def run(context, branches, **completion):
    config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(**completion))
    return context.parallel(branches, config=config)


ALL = ("completionReason", "status", "successCount", "failureCount", "totalCount")
NO_STATUS = ("completionReason", "successCount", "failureCount", "totalCount")


@durable_execution
def named_branches(event, context: DurableContext):  # 8-3
    branches = [ParallelBranch(ok("one"), name="first"), ParallelBranch(ok("two"), name="second")]
    return context.parallel(branches, name="named", config=SEQUENTIAL).get_results()


@durable_execution
def fail_fast(event, context: DurableContext):  # 8-6
    return projection(run(context, [ok("ok"), fail, ok("never")], tolerated_failure_count=0), *ALL)


@durable_execution
def fail_fast_rethrow(event, context: DurableContext):  # 8-7
    run(context, [fail, ok("never")], tolerated_failure_count=0).throw_if_error()


@durable_execution
def min_successful(event, context: DurableContext):  # 8-8
    batch = run(context, [ok("a"), ok("b"), ok("c"), ok("d")], min_successful=2)
    return {
        "completionReason": str(batch.completion_reason.value),
        "successCount": batch.success_count,
        "totalCount": batch.total_count,
    }


@durable_execution
def tolerated_one(event, context: DurableContext):  # 8-9
    return projection(run(context, [ok("a"), fail, ok("c")], tolerated_failure_count=1), *ALL)


@durable_execution
def tolerance_exceeded(event, context: DurableContext):  # 8-10
    batch = run(context, [fail, fail, ok("c")], tolerated_failure_count=1)
    return projection(batch, *NO_STATUS)


@durable_execution
def all_fail_tolerated(event, context: DurableContext):  # 8-16
    return projection(run(context, [fail, fail, fail], tolerated_failure_count=3), *ALL)


@durable_execution
def min_successful_unmet(event, context: DurableContext):  # 8-17
    return projection(run(context, [ok("a"), fail, ok("c")], min_successful=3), *ALL)


@durable_execution
def accessors(event, context: DurableContext):  # 8-20
    batch = run(context, [ok("a"), fail, ok("c")], tolerated_failure_count=1)
    return {
        "hasFailure": batch.has_failure,
        "successCount": len(batch.succeeded()),
        "failureCount": len(batch.failed()),
        "errorCount": len(batch.get_errors()),
    }


@durable_execution
def flat(event, context: DurableContext):  # 8-12
    branches = [lambda ctx: ctx.step(lambda _: "fa"), lambda ctx: ctx.step(lambda _: "fb")]
    config = ParallelConfig(max_concurrency=1, nesting_type=NestingType.FLAT)
    return context.parallel(branches, config=config).get_results()


@durable_execution
def percentage_exceeded(event, context: DurableContext):  # 8-13
    batch = run(context, [fail, fail, ok("c"), ok("d")], tolerated_failure_percentage=25)
    return projection(batch, *NO_STATUS)


class EnvelopeSerDes(SerDes[object]):
    """A per-branch serializer that is not the identity: v is stored as {"wrapped": v}."""

    def serialize(self, value: object, serdes_context: SerDesContext) -> str:
        return json.dumps({"wrapped": value})

    def deserialize(self, data: str, serdes_context: SerDesContext) -> object:
        return json.loads(data)["wrapped"]


@durable_execution
def item_serdes(event, context: DurableContext):  # 8-15
    config = ParallelConfig(max_concurrency=1, item_serdes=EnvelopeSerDes())
    return context.parallel([ok("x"), ok("y")], config=config).get_results()


@durable_execution
def tolerance_before_min_successful(event, context: DurableContext):  # 8-18
    branches = [fail, fail, ok("c"), ok("d")]
    batch = run(context, branches, min_successful=3, tolerated_failure_count=1)
    return projection(batch, *NO_STATUS)


@durable_execution
def zero_concurrency(event, context: DurableContext):  # 8-19
    # ParallelConfig validates max_concurrency itself, so the error is raised here, uncaught.
    config = ParallelConfig(max_concurrency=0)
    return context.parallel([ok("a"), ok("b")], config=config).get_results()


@durable_execution
def nested(event, context: DurableContext):  # 8-21
    def inner(ctx):
        branches = [lambda c: c.step(lambda _: "i1"), lambda c: c.step(lambda _: "i2")]
        return ctx.parallel(branches, config=SEQUENTIAL).get_results()

    return context.parallel([inner], config=SEQUENTIAL).get_results()


@durable_execution
def percentage_tolerated(event, context: DurableContext):  # 8-22
    branches = [fail, ok("b"), ok("c"), ok("d")]
    return projection(run(context, branches, tolerated_failure_percentage=25), *ALL)
