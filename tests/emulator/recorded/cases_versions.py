"""Rebuilt cases of LocalStack's TestLambdaVersions."""

from __future__ import annotations

from emulator.recorded.context import VERSION_SOURCE, CaseContext, case, code_zip

V = "TestLambdaVersions"


@case(f"{V}::test_publish_version_on_create")
def publish_version_on_create(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name()
    ctx.match("create_response", ctx.plain_function(name, Publish=True))
    ctx.match("get_function_result", lam.get_function(FunctionName=name))
    ctx.match("get_function_version_result", lam.get_function(FunctionName=name, Qualifier="1"))
    ctx.match(
        "get_function_latest_result", lam.get_function(FunctionName=name, Qualifier="$LATEST")
    )
    ctx.match("list_versions_result", lam.list_versions_by_function(FunctionName=name))
    ctx.match(
        "repeated_publish_response",
        lam.publish_version(FunctionName=name, Description="Repeated version description :)"),
    )
    ctx.match(
        "list_versions_result_after_publish", lam.list_versions_by_function(FunctionName=name)
    )


@case(f"{V}::test_version_lifecycle")
def version_lifecycle(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name()
    waiter = lam.get_waiter("function_updated_v2")
    ctx.match("create_response", ctx.plain_function(name, Description="No version :("))
    ctx.match("get_function_result", lam.get_function(FunctionName=name))
    ctx.match("list_versions_result", lam.list_versions_by_function(FunctionName=name))
    ctx.match(
        "first_update_response",
        lam.update_function_configuration(FunctionName=name, Description="First version :)"),
    )
    waiter.wait(FunctionName=name)
    ctx.match("first_update_get_function", lam.get_function(FunctionName=name))
    first = lam.publish_version(FunctionName=name, Description="First version description :)")
    ctx.match("first_publish_response", first)
    version = first["Version"]
    ctx.match("first_publish_get_function", lam.get_function(FunctionName=name, Qualifier=version))
    ctx.match(
        "first_publish_get_function_config",
        lam.get_function_configuration(FunctionName=name, Qualifier=version),
    )
    ctx.match(
        "second_update_response",
        lam.update_function_configuration(FunctionName=name, Description="Second version :))"),
    )
    waiter.wait(FunctionName=name)
    ctx.match(
        "first_publish_get_function_after_update",
        lam.get_function(FunctionName=name, Qualifier=version),
    )
    ctx.match("second_publish_response", lam.publish_version(FunctionName=name))
    ctx.match(
        "third_publish_response",
        lam.publish_version(FunctionName=name, Description="Third version description :)))"),
    )
    ctx.match(
        "list_versions_result_after_third_publish",
        lam.list_versions_by_function(FunctionName=name),
    )
    lam.delete_function(FunctionName=f"{name}:{version}")
    ctx.match(
        "list_versions_result_after_deletion_of_first_version",
        lam.list_versions_by_function(FunctionName=name),
    )


@case(f"{V}::test_publish_with_wrong_sha256")
def publish_with_wrong_sha256(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name()
    ctx.match("create_response", ctx.plain_function(name))
    got = lam.get_function(FunctionName=name)
    ctx.match("get_fn_response", got)
    ctx.match(
        "publish_wrong_sha256_exc",
        ctx.error(lam.publish_version, FunctionName=name, CodeSha256="somenonexistentsha256"),
    )
    ctx.match(
        "publish_result",
        lam.publish_version(FunctionName=name, CodeSha256=got["Configuration"]["CodeSha256"]),
    )


@case(f"{V}::test_publish_with_update", mid_transition=True)
def publish_with_update(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name()
    ctx.match("create_response", ctx.plain_function(name))
    ctx.match("get_function_result", lam.get_function(FunctionName=name))
    ctx.match(
        "update_function_code_result",
        lam.update_function_code(FunctionName=name, ZipFile=code_zip(VERSION_SOURCE), Publish=True),
    )
    ctx.match("get_function_version_result", lam.get_function(FunctionName=name, Qualifier="1"))
    ctx.match(
        "get_function_latest_result", lam.get_function(FunctionName=name, Qualifier="$LATEST")
    )
