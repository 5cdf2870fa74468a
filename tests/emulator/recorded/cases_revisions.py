"""Rebuilt cases of LocalStack's TestLambdaRevisions and TestLambdaTag."""

from __future__ import annotations

import uuid
from typing import Any

from emulator.harness import wait_until
from emulator.recorded.context import CaseContext, case, code_zip
from emulator.recorded.sources import queue

R = "TestLambdaRevisions"
T = "TestLambdaTag"
ACCOUNT = "123456789012"


@case(f"{R}::test_function_revisions_basic")
def revisions_basic(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name()
    package = code_zip(name="index.py")
    created = ctx.create_function(name, Code={"ZipFile": package}, Handler="index.handler")
    ctx.match("create_function_response_rev1", created)
    active = lam.get_function(FunctionName=name)
    ctx.match("get_function_response_rev2", active)
    ctx.match(
        "update_function_revision_exception",
        ctx.error(lam.update_function_code, FunctionName=name, ZipFile=package, RevisionId="wrong"),
    )
    ctx.match(
        "update_function_code_response_rev3",
        lam.update_function_code(
            FunctionName=name, ZipFile=package, RevisionId=active["Configuration"]["RevisionId"]
        ),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    updated = lam.get_function(FunctionName=name)
    ctx.match("get_function_response_rev4", updated)
    ctx.match(
        "update_function_configuration_revision_exception",
        ctx.error(
            lam.update_function_configuration,
            FunctionName=name,
            Runtime="python3.8",
            RevisionId="wrong",
        ),
    )
    ctx.match(
        "update_function_configuration_response_rev5",
        lam.update_function_configuration(
            FunctionName=name,
            Runtime="python3.8",
            RevisionId=updated["Configuration"]["RevisionId"],
        ),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    ctx.match("get_function_response_rev6", lam.get_function(FunctionName=name))


@case(f"{R}::test_function_revisions_version_and_alias")
def revisions_version_and_alias(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name()
    ctx.match("create_function_response_rev1", ctx.create_function(name))
    active = lam.get_function(FunctionName=name)
    ctx.match("get_function_active_rev2", active)
    ctx.match(
        "publish_version_revision_exception",
        ctx.error(lam.publish_version, FunctionName=name, RevisionId="wrong"),
    )
    published = lam.publish_version(
        FunctionName=name, RevisionId=active["Configuration"]["RevisionId"]
    )
    ctx.match("publish_version_response_rev_v1", published)
    version = published["Version"]
    lam.get_waiter("published_version_active").wait(FunctionName=name)
    ctx.match(
        "get_function_published_version_rev_v2",
        lam.get_function(FunctionName=name, Qualifier=version),
    )
    ctx.match("get_function_latest_rev3", lam.get_function(FunctionName=name))
    alias = lam.create_alias(FunctionName=name, Name="revision_alias", FunctionVersion=version)
    ctx.match("create_alias_response_rev_a1", alias)
    ctx.match("get_function_latest_rev4", lam.get_function(FunctionName=name))
    ctx.match(
        "get_function_published_version_rev_v3",
        lam.get_function(FunctionName=name, Qualifier=version),
    )
    ctx.match(
        "update_alias_revision_exception",
        ctx.error(lam.update_alias, FunctionName=name, Name="revision_alias", RevisionId="wrong"),
    )
    ctx.match(
        "update_alias_response_rev_a2",
        lam.update_alias(
            FunctionName=name,
            Name="revision_alias",
            Description="something changed",
            RevisionId=alias["RevisionId"],
        ),
    )


def _function_arn(ctx: CaseContext) -> str:
    name = ctx.name()
    ctx.create_function(name)
    return str(ctx.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])


@case(f"{T}::test_create_tag_on_fn_create")
def create_tag_on_fn_create(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name()
    ctx.create_function(name, Tags={"testtag": f"tag-{uuid.uuid4().hex[:8]}"})
    got = ctx.lam.get_function(FunctionName=name)
    ctx.match("get_function_result", got)
    ctx.match("list_tags_result", ctx.lam.list_tags(Resource=got["Configuration"]["FunctionArn"]))


def _mapping_arn(ctx: CaseContext) -> str:
    name = ctx.name()
    ctx.create_function(name)
    created = ctx.lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queue(ctx)[1])
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    return str(created["EventSourceMappingArn"])


@case(f"{T}::test_tag_lifecycle", ["lambda_function", "event_source_mapping"])
def tag_lifecycle(ctx: CaseContext, kind: str | None) -> None:
    lam = ctx.lam
    arn = _mapping_arn(ctx) if kind == "event_source_mapping" else _function_arn(ctx)

    def step(key: str, response: Any) -> None:
        ctx.match(key, response)
        ctx.match(f"{key}_listtags", lam.list_tags(Resource=arn))

    step("tag_single_response", lam.tag_resource(Resource=arn, Tags={"A": "tag-a"}))
    step("tag_multiple_response", lam.tag_resource(Resource=arn, Tags={"B": "tag-b", "C": "tag-c"}))
    step(
        "tag_overlap_response",
        lam.tag_resource(Resource=arn, Tags={"C": "tag-c-newsuffix", "D": "tag-d"}),
    )
    step("untag_single_response", lam.untag_resource(Resource=arn, TagKeys=["A"]))
    step("untag_multiple_response", lam.untag_resource(Resource=arn, TagKeys=["B", "C"]))
    step("untag_nonexisting_response", lam.untag_resource(Resource=arn, TagKeys=["F"]))
    step(
        "untag_existing_and_nonexisting_response",
        lam.untag_resource(Resource=arn, TagKeys=["D", "F"]),
    )


TAGGABLE = {
    "lambda_function": "function",
    "event_source_mapping": "event-source-mapping",
    "capacity_provider": "capacity-provider",
}


@case(f"{T}::test_tag_exceptions", TAGGABLE)
def tag_exceptions(ctx: CaseContext, kind: str | None) -> None:
    lam = ctx.lam
    arn = f"arn:aws:lambda:{ctx.region}:{ACCOUNT}:{TAGGABLE[str(kind)]}:{uuid.uuid4()}"
    ctx.match("not_found_exception_tag", ctx.error(lam.tag_resource, Resource=arn, Tags={"A": "B"}))
    ctx.match(
        "not_found_exception_untag", ctx.error(lam.untag_resource, Resource=arn, TagKeys=["A"])
    )
    ctx.match("not_found_exception_list", ctx.error(lam.list_tags, Resource=arn))
    ctx.match("aliased_arn_exception", ctx.error(lam.list_tags, Resource=f"{arn}:alias"))
    parts = arn.rsplit(":", 2)
    parts[1] = "foobar"
    ctx.match("invalid_arn_exception", ctx.error(lam.list_tags, Resource=":".join(parts)))


@case(f"{T}::test_tag_nonexisting_resource")
def tag_nonexisting_resource(ctx: CaseContext, _: str | None) -> None:
    lam, arn = ctx.lam, _function_arn(ctx)
    ctx.match("pre_delete_get_function", lam.get_function(FunctionName=arn))
    lam.delete_function(FunctionName=arn)
    ctx.match("not_found_exception_tag", ctx.error(lam.tag_resource, Resource=arn, Tags={"A": "B"}))
    ctx.match(
        "not_found_exception_untag", ctx.error(lam.untag_resource, Resource=arn, TagKeys=["A"])
    )
    ctx.match("not_found_exception_list", ctx.error(lam.list_tags, Resource=arn))


@case(f"{T}::test_create_tag_on_esm_create")
def create_tag_on_esm_create(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name()
    _, queue_arn = queue(ctx)
    ctx.create_function(name)
    created = lam.create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=name, BatchSize=1, Tags={"testtag": "tag-x"}
    )
    mapping = created["UUID"]
    ctx.cleanups.append(lambda: lam.delete_event_source_mapping(UUID=mapping))

    def active() -> bool:
        return bool(lam.get_event_source_mapping(UUID=mapping)["State"] != "Creating")

    wait_until(active)
    ctx.match("get_event_source_mapping_with_tag", active())
    ctx.match("list_tags_result", lam.list_tags(Resource=created["EventSourceMappingArn"]))
