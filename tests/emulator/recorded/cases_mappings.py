"""Rebuilt cases of LocalStack's TestLambdaEventSourceMappings that need no event source."""

from __future__ import annotations

import uuid

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
