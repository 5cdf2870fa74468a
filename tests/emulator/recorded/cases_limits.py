"""Rebuilt cases of LocalStack's TestLambdaSizeLimits (environment size) and TestLambdaTags."""

from __future__ import annotations

import io
import zipfile

from emulator.recorded.context import ROLE, CaseContext, case

S = "TestLambdaSizeLimits"
KB = 1024


def _refused(ctx: CaseContext, key: str, env: dict[str, str]) -> None:
    name = ctx.name("large-envvar-lambda")
    ctx.match(key, ctx.error(ctx.create_function, name=name, Environment={"Variables": env}))
    ctx.error(ctx.lam.get_function, FunctionName=name)  # nothing was created


@case(f"{S}::test_large_environment_variables_fails")
def large_environment_fails(ctx: CaseContext, _: str | None) -> None:
    _refused(ctx, "failed_create_fn_result", {"LARGE_VAR": "x" * (4 * KB - 6 - len("LARGE_VAR"))})


@case(f"{S}::test_large_environment_fails_multiple_keys")
def large_environment_multiple_keys(ctx: CaseContext, _: str | None) -> None:
    env = {"SMALL_VAR": "ok", "LARGE_VAR": "x" * 4064}
    _refused(ctx, "failured_create_fn_result_multi_key", env)


@case(f"{S}::test_lambda_envvars_near_limit_succeeds")
def envvars_near_limit(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("large-envvar-lambda")
    env = {"LARGE_VAR": "x" * (4 * KB - 7 - len("LARGE_VAR"))}
    ctx.match(
        "successful_create_fn_result",
        ctx.create_function(name, Environment={"Variables": env}),
    )
    ctx.lam.get_function(FunctionName=name)


G = "TestLambdaTags"
ACCOUNT = "123456789012"


def _tagged_function(ctx: CaseContext, **params: object) -> tuple[str, str]:
    name = ctx.name("fn-tag")
    ctx.create_function(name, **params)
    return name, str(ctx.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])


@case(f"{G}::test_tag_exceptions")
def tags_exceptions(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    name, arn = _tagged_function(ctx)
    prefix = f"arn:aws:lambda:{ctx.region}:{ACCOUNT}:function:"
    tags = {"key_a": "value_a"}
    ctx.match(
        "tag_lambda_invalidarn",
        ctx.error(lam.tag_resource, Resource="arn:aws:something", Tags=tags),
    )
    ctx.match(
        "tag_lambda_doesnotexist",
        ctx.error(lam.tag_resource, Resource=f"{prefix}doesnotexist", Tags=tags),
    )
    ctx.match(
        "tag_lambda_qualifier_doesnotexist",
        ctx.error(lam.tag_resource, Resource=f"{arn}:v1", Tags=tags),
    )
    ctx.match("list_tag_lambda_empty", lam.list_tags(Resource=arn))
    ctx.match("untag_nomatch", lam.untag_resource(Resource=arn, TagKeys=["somekey"]))
    ctx.match("untag_empty_keys", ctx.error(lam.untag_resource, Resource=arn, TagKeys=[]))
    ctx.match("tag_empty_tags", ctx.error(lam.tag_resource, Resource=arn, Tags={}))
    lam.tag_resource(Resource=arn, Tags={"a_key": "a_value", "b_key": "b_value"})
    lam.untag_resource(Resource=arn, TagKeys=["a_key", "c_key"])
    left = lam.list_tags(Resource=arn)["Tags"]
    assert "a_key" not in left and "b_key" in left


@case(f"{G}::test_tag_limits")
def tags_limits(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    name, arn = _tagged_function(ctx)
    many = {f"{k}_key": f"{k}_value" for k in range(51)}
    ctx.match("tag_lambda_too_many_tags", ctx.error(lam.tag_resource, Resource=arn, Tags=many))
    fifty = {f"{k}_key": f"{k}_value" for k in range(50)}
    ctx.match("tag_response", lam.tag_resource(Resource=arn, Tags=fifty))
    ctx.match("list_tags_response", lam.list_tags(Resource=arn))
    ctx.match("get_fn_response", lam.get_function(FunctionName=name))
    ctx.match(
        "tag_lambda_too_many_tags_additional",
        ctx.error(lam.tag_resource, Resource=arn, Tags={"a_key": "a_value"}),
    )
    ctx.match(
        "create_function_invalid_tags",
        ctx.error(ctx.create_function, name=ctx.name("fn-tag"), Tags=many),
    )


FOUR_TAGS = {"key_b": "value_b", "key_c": "value_c", "key_d": "value_d", "key_e": "value_e"}


@case(f"{G}::test_tag_versions")
def tags_versions(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    name, arn = _tagged_function(ctx, Tags={"key_a": "value_a"})
    version_arn = lam.publish_version(FunctionName=name)["FunctionArn"]
    ctx.match(
        "tag_resource_exception", ctx.error(lam.tag_resource, Resource=version_arn, Tags=FOUR_TAGS)
    )
    ctx.match(
        "tag_resource_latest_exception",
        ctx.error(lam.tag_resource, Resource=f"{arn}:$LATEST", Tags=FOUR_TAGS),
    )


@case(f"{G}::test_tag_lifecycle")
def tags_lifecycle(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    name, arn = _tagged_function(ctx, Tags={"key_a": "value_a"})

    def snapshot_tags(suffix: str) -> None:
        ctx.match(f"list_tags_response_{suffix}", lam.list_tags(Resource=arn))
        ctx.match(f"get_fn_response_{suffix}", lam.get_function(FunctionName=arn))

    snapshot_tags("postfncreate")
    ctx.match("tag_resource_response", lam.tag_resource(Resource=arn, Tags=FOUR_TAGS))
    snapshot_tags("postaddtags")
    ctx.match(
        "tag_resource_overwrite",
        lam.tag_resource(Resource=arn, Tags={"key_b": "value_b", "key_c": "value_x"}),
    )
    snapshot_tags("overwrite")
    lam.untag_resource(Resource=arn, TagKeys=["key_c", "key_d"])
    snapshot_tags("postuntag")
    lam.untag_resource(Resource=arn, TagKeys=["key_a", "key_b", "key_e"])
    snapshot_tags("postuntagall")
    lam.delete_function(FunctionName=name)
    ctx.match("list_tags_postdelete", ctx.error(lam.list_tags, Resource=arn))


ZIPPED_LIMIT = 52_428_800
REQUEST_LIMIT = 70_167_211


def _sized_zip(size: int) -> bytes:
    """A stored (uncompressed) package whose handler file is padded with # to `size` bytes, as
    LocalStack's size tests build theirs."""
    source = ECHO_PADDING_HEAD + "#" * (size - len(ECHO_PADDING_HEAD))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


ECHO_PADDING_HEAD = "def handler(event, context):\n    return event\n"


@case(f"{S}::test_oversized_zipped_create_lambda")
def oversized_zipped(ctx: CaseContext, _: str | None) -> None:
    ctx.match(
        "invalid_param_exc",
        ctx.error(
            ctx.lam.create_function,
            FunctionName=ctx.name("test_lambda"),
            Runtime="python3.12",
            Handler="handler.handler",
            Role=ROLE,
            Code={"ZipFile": _sized_zip(ZIPPED_LIMIT)},
            Timeout=10,
        ),
    )


@case(f"{S}::test_oversized_request_create_lambda")
def oversized_request(ctx: CaseContext, _: str | None) -> None:
    large_env = "#" * (REQUEST_LIMIT - ZIPPED_LIMIT + 1024 * 1024)
    ctx.match(
        "invalid_param_exc",
        ctx.error(
            ctx.lam.create_function,
            FunctionName=ctx.name("test_lambda"),
            Runtime="python3.12",
            Handler="handler.handler",
            Role=ROLE,
            Code={"ZipFile": _sized_zip(ZIPPED_LIMIT - 1024)},
            Timeout=10,
            Environment={"Variables": {"largeKey": large_env}},
        ),
    )
