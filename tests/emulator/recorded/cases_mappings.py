"""Rebuilt cases of LocalStack's TestLambdaEventSourceMappings that need no event source."""

from __future__ import annotations

import uuid
from typing import Any

from emulator.harness import wait_until
from emulator.recorded.context import CaseContext, case

E = "TestLambdaEventSourceMappings"


@case(f"{E}::test_event_source_mapping_exceptions")
def mapping_exceptions(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    ctx.match("get_unknown_uuid", ctx.error(lam.get_event_source_mapping, UUID=str(uuid.uuid4())))
    ctx.match(
        "delete_unknown_uuid", ctx.error(lam.delete_event_source_mapping, UUID=str(uuid.uuid4()))
    )
    ctx.match(
        "update_unknown_uuid",
        ctx.error(lam.update_event_source_mapping, UUID=str(uuid.uuid4()), Enabled=False),
    )
    queue = f"arn:aws:sqs:{ctx.region}:111111111111:somequeue"
    lam.list_event_source_mappings()
    lam.list_event_source_mappings(FunctionName="doesnotexist")
    lam.list_event_source_mappings(EventSourceArn=queue)
    create = lam.create_event_source_mapping
    ctx.match("create_no_event_source_arn", ctx.error(create, FunctionName="doesnotexist"))
    ctx.match(
        "create_unknown_params",
        ctx.error(create, FunctionName="doesnotexist", EventSourceArn=queue),
    )
    other = f"arn:aws:sqs:{ctx.region}:111111111111:someotherqueue"
    ctx.match(
        "destination_config_failure",
        ctx.error(
            create,
            FunctionName="doesnotexist",
            EventSourceArn=queue,
            DestinationConfig={"OnSuccess": {"Destination": other}},
        ),
    )


def _mapping_of(response: dict[str, Any]) -> dict[str, Any]:
    from emulator.recorded.cases_mapping_sources import _mapping

    return _mapping(response)


def _dynamodb_mapping(ctx: CaseContext) -> tuple[str, str, str]:
    """Function, stream and queue of test_event_source_mapping_lifecycle*: (function name,
    stream ARN, on-failure queue ARN)."""
    from emulator.recorded.cases_streams import dynamodb_stream
    from emulator.recorded.sources import queue

    name = ctx.name("lambda_func")
    _, destination = queue(ctx)
    _, stream = dynamodb_stream(ctx, "id", "update_table_response")
    ctx.create_function(name)
    return name, stream, destination


def _create_lifecycle_mapping(ctx: CaseContext, name: str, stream: str, queue: str) -> str:
    created = ctx.lam.create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=stream,
        DestinationConfig={"OnFailure": {"Destination": queue}},
        BatchSize=1,
        StartingPosition="TRIM_HORIZON",
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=1,
    )
    uuid = str(created["UUID"])
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=uuid))
    ctx.match("create_response", _mapping_of(created))
    wait_until(lambda: ctx.lam.get_event_source_mapping(UUID=uuid)["State"] != "Creating")
    ctx.match("get_response", _mapping_of(ctx.lam.get_event_source_mapping(UUID=uuid)))
    return uuid


@case(f"{E}::test_event_source_mapping_lifecycle")
def mapping_lifecycle(ctx: CaseContext, _: str | None) -> None:
    uuid = _create_lifecycle_mapping(ctx, *_dynamodb_mapping(ctx))
    ctx.match("delete_response", _mapping_of(ctx.lam.delete_event_source_mapping(UUID=uuid)))


@case(f"{E}::test_event_source_mapping_lifecycle_delete_function")
def mapping_lifecycle_delete_function(ctx: CaseContext, _: str | None) -> None:
    name, stream, queue = _dynamodb_mapping(ctx)
    uuid = _create_lifecycle_mapping(ctx, name, stream, queue)
    ctx.match("delete_function_response", ctx.lam.delete_function(FunctionName=name))
    ctx.match("get_response_post_delete", _mapping_of(ctx.lam.get_event_source_mapping(UUID=uuid)))
    ctx.match("delete_response", _mapping_of(ctx.lam.delete_event_source_mapping(UUID=uuid)))


@case(f"{E}::test_function_name_variations")
def function_name_variations(ctx: CaseContext, _: str | None) -> None:
    from emulator.recorded.sources import queue

    lam = ctx.lam
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    _, arn = queue(ctx)
    v1 = lam.publish_version(FunctionName=name)
    alias = lam.create_alias(FunctionName=name, FunctionVersion=v1["Version"], Name="myalias")
    fn = lam.get_function(FunctionName=name)
    for scope, tested in (
        ("name_only", name),
        ("partial_arn_latest", f"{name}:$LATEST"),
        ("partial_arn_version", f"{name}:{v1['Version']}"),
        ("partial_arn_alias", f"{name}:{alias['Name']}"),
        ("full_arn_latest", fn["Configuration"]["FunctionArn"]),
        ("full_arn_version", v1["FunctionArn"]),
        ("full_arn_alias", alias["AliasArn"]),
    ):
        created = lam.create_event_source_mapping(FunctionName=tested, EventSourceArn=arn)
        ctx.match(f"{scope}_create_esm", _mapping_of(created))
        mapping_id = created["UUID"]
        wait_until(lambda: lam.get_event_source_mapping(UUID=mapping_id)["State"] == "Enabled")  # noqa: B023
        lam.delete_event_source_mapping(UUID=mapping_id)


def _starting_position_errors(ctx: CaseContext, arn: str, *, incompatible: bool) -> None:
    name = ctx.name("function")
    ctx.create_function(name)
    create = ctx.lam.create_event_source_mapping
    ctx.match("no_starting_position", ctx.error(create, FunctionName=name, EventSourceArn=arn))
    unchecked = ctx.unvalidated_client().create_event_source_mapping
    ctx.match(
        "invalid_starting_position",
        ctx.error(unchecked, FunctionName=name, EventSourceArn=arn, StartingPosition="invalid"),
    )
    if incompatible:
        ctx.match(
            "incompatible_starting_position",
            ctx.error(
                create,
                FunctionName=name,
                EventSourceArn=arn,
                StartingPosition="AT_TIMESTAMP",
                StartingPositionTimestamp=1_700_000_000,
            ),
        )


@case(f"{E}::test_create_event_source_validation")
def create_event_source_validation(ctx: CaseContext, _: str | None) -> None:
    from emulator.recorded.cases_streams import dynamodb_stream

    _, stream = dynamodb_stream(ctx, "id")
    _starting_position_errors(ctx, stream, incompatible=True)


@case(f"{E}::test_create_event_source_validation_kinesis")
def create_event_source_validation_kinesis(ctx: CaseContext, _: str | None) -> None:
    from emulator.recorded.cases_mapping_sources import kinesis_stream

    _starting_position_errors(ctx, kinesis_stream(ctx), incompatible=False)


@case(f"{E}::test_create_event_filter_criteria_validation")
def create_event_filter_criteria_validation(ctx: CaseContext, _: str | None) -> None:
    from emulator.recorded.cases_streams import dynamodb_stream

    _, stream = dynamodb_stream(ctx, "id")
    name = ctx.name("function")
    ctx.create_function(name)
    created = ctx.lam.create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=stream,
        StartingPosition="LATEST",
        FilterCriteria={"Filters": []},
    )
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    ctx.match("response-with-empty-filters", _mapping_of(created))
